using System.Net;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>Client behaviour against a scripted server: nonces, retries, timeouts, errors and headers.</summary>
public sealed class AcmeClientProtocolTests : IDisposable
{
    private const string BadNonce = """{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce","status":400}""";
    private readonly ScriptedAcmeHandler _server = new();
    private readonly RecordingObserver _observer = new();
    private readonly AcmeAccountKey _key = AcmeAccountKey.Generate();

    [Fact]
    public async Task BadNonce_is_retried_three_times_with_the_error_nonce_then_reported()
    {
        using var client = Client();
        for (var i = 0; i < 4; i++)
        {
            _server.Reply(HttpStatusCode.BadRequest, BadNonce);
        }

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetOrderAsync("https://ca.test/order/1"));

        Assert.Equal("badNonce", error.Problem!.ShortType);
        var posts = _server.Received.Where(r => r.Request.Method == HttpMethod.Post).ToArray();
        Assert.Equal(4, posts.Length);
        // One HEAD for the first nonce; each retry uses the nonce from the previous error.
        Assert.Single(_server.Received, r => r.Request.Method == HttpMethod.Head);
        var nonces = posts.Select(p => JsonWebSignatureTests.Parse(p.Body).Header.GetProperty("nonce").GetString()!).ToArray();
        Assert.Equal(["nonce-1", "nonce-2", "nonce-3", "nonce-4"], nonces);
    }

    [Fact]
    public async Task A_badNonce_followed_by_success_is_invisible_to_the_caller()
    {
        using var client = Client();
        _server.Reply(HttpStatusCode.BadRequest, BadNonce);
        _server.Reply(HttpStatusCode.OK, """{"status":"valid","contact":["mailto:a@example.com"]}""", "application/json");

        var account = await client.GetAccountAsync();

        Assert.Equal("valid", account.Status);
        Assert.Equal(["mailto:a@example.com"], account.Contact);
        // The nonce HEAD counts under the action that needed it, as in cert-manager's metrics.
        Assert.Equal([("discover", "GET", 200), ("get_registration", "HEAD", 200), ("get_registration", "POST", 400), ("get_registration", "POST", 200)],
            _observer.Calls);
        Assert.All(_observer.Exchanges, e => Assert.Equal(("https", "ca.test"), (e.Scheme, e.Host)));
    }

    [Fact]
    public async Task Requests_carry_the_exact_JOSE_content_type_the_user_agent_and_the_request_url()
    {
        using var client = Client();
        _server.Reply(HttpStatusCode.OK, """{"type":"http-01","url":"https://ca.test/chall/1","token":"t","status":"processing"}""", "application/json");

        var challenge = await client.AcceptChallengeAsync("https://ca.test/chall/1");

        Assert.Equal("processing", challenge.Status);
        var post = _server.Received.Single(r => r.Request.Method == HttpMethod.Post);
        Assert.Equal("application/jose+json", post.Request.Content!.Headers.ContentType!.ToString());
        Assert.Equal("CertFleet/test", post.Request.Headers.UserAgent.ToString());
        var jws = JsonWebSignatureTests.Parse(post.Body);
        Assert.Equal("https://ca.test/chall/1", jws.Header.GetProperty("url").GetString());
        Assert.Equal("https://ca.test/acct/1", jws.Header.GetProperty("kid").GetString());
        Assert.Equal("{}", jws.Payload);
    }

    [Fact]
    public async Task A_rate_limit_surfaces_the_CA_detail_and_Retry_After()
    {
        using var client = Client();
        _server.Reply((HttpStatusCode)429,
            """{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many new orders recently: see https://letsencrypt.org/docs/rate-limits/","status":429}""",
            configure: r => r.Headers.Add("Retry-After", "3600"));

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("a.example")]));

        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
        Assert.Equal(AcmeActions.AuthorizeOrder, error.Action);
        Assert.Equal(AcmeProblemAction.WaitForRetryAfter, error.SuggestedAction);
        Assert.Equal("The ACME server ca.test refused creating the order: too many new orders recently: see https://letsencrypt.org/docs/rate-limits/ (rateLimited, HTTP 429)", error.Message);
    }

    [Fact]
    public async Task A_hanging_server_times_out_as_a_transport_error()
    {
        using var client = Client(TimeSpan.FromMilliseconds(300));
        _server.Hang();

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetOrderAsync("https://ca.test/order/1"));

        Assert.Equal(0, error.StatusCode);
        Assert.Null(error.Problem);
        Assert.Equal(AcmeProblemAction.BackOff, error.SuggestedAction);
        Assert.Contains("did not answer within 0.3 s while reading the order", error.Message);
        Assert.Equal((AcmeActions.GetOrder, AcmeActions.TransportErrorStatus), _observer.Calls.Select(c => (c.Action, c.Status)).Last());
    }

    [Fact]
    public async Task New_orders_beyond_the_in_flight_limit_wait_for_a_turn_and_give_up_before_the_call_timeout()
    {
        using var client = Client(TimeSpan.FromSeconds(3), new AcmeNewOrderTurns(2));
        _server.Hang();
        _server.Hang();
        var hanging = new[] { client.NewOrderAsync([AcmeIdentifier.Dns("a.example")]), client.NewOrderAsync([AcmeIdentifier.Dns("b.example")]) };
        while (NewOrdersReceived() < 2)
            await Task.Delay(10);

        var queued = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("c.example")]));

        // The third was never sent: it waited a third of the request timeout for one of the two hanging orders to end.
        Assert.Equal(2, NewOrdersReceived());
        Assert.True(queued.NotSent);
        Assert.Equal("The ACME server ca.test was still busy with earlier new orders (at most 2 at once) after 1 s, so this one was not sent", queued.Message);
        foreach (var order in hanging)
        {
            var timedOut = await Assert.ThrowsAsync<AcmeException>(() => order);
            Assert.Contains("did not answer within 3 s while creating the order", timedOut.Message);
            Assert.False(timedOut.NotSent);
        }

        // Failed exchanges give their turns back.
        _server.Reply(HttpStatusCode.Created, """{"status":"pending","identifiers":[{"type":"dns","value":"d.example"}],"authorizations":[],"finalize":"https://ca.test/order/4/finalize"}""",
            "application/json", r => r.Headers.Location = new Uri("https://ca.test/order/4"));
        Assert.Equal("https://ca.test/order/4", (await client.NewOrderAsync([AcmeIdentifier.Dns("d.example")])).Url);
        Assert.Equal(3, NewOrdersReceived());
    }

    [Fact]
    public async Task Clients_of_one_account_share_its_new_order_turns()
    {
        var turns = new AcmeNewOrderTurns(1);
        using var first = Client(TimeSpan.FromSeconds(3), turns);
        using var second = Client(TimeSpan.FromSeconds(3), turns);
        _server.Hang();
        var hanging = first.NewOrderAsync([AcmeIdentifier.Dns("a.example")]);
        while (NewOrdersReceived() < 1)
            await Task.Delay(10);

        Assert.True((await Assert.ThrowsAsync<AcmeException>(() => second.NewOrderAsync([AcmeIdentifier.Dns("b.example")]))).NotSent);
        Assert.Equal(1, NewOrdersReceived());
        await Assert.ThrowsAsync<AcmeException>(() => hanging);
    }

    private int NewOrdersReceived() => _server.Received.Count(r => r.Request.Method == HttpMethod.Post && r.Request.RequestUri!.AbsoluteUri == "https://ca.test/order");

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_an_AcmeException()
    {
        using var client = Client();
        _server.Hang();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetOrderAsync("https://ca.test/order/1", cancel.Token));
    }

    [Fact]
    public async Task The_directory_is_fetched_once_and_its_optional_members_are_read()
    {
        using var client = Client();

        var first = await client.GetDirectoryAsync();
        var second = await client.GetDirectoryAsync();

        Assert.Same(first, second);
        Assert.Single(_server.Received);
        Assert.Equal(new Uri("https://ca.test/key"), first.KeyChange);
        Assert.Null(first.RenewalInfo);
        Assert.Equal("90 days", first.Meta.Profiles["classic"]);
    }

    [Fact]
    public async Task Finalize_refuses_a_CSR_whose_SANs_differ_from_the_order_before_calling_the_CA()
    {
        using var client = Client();
        var order = new AcmeOrder("https://ca.test/order/1", AcmeOrder.Ready, null, [AcmeIdentifier.Dns("a.example"), AcmeIdentifier.Ip("127.0.0.1")],
            [], "https://ca.test/finalize/1", null, null, null);
        var csr = AcmeIssuance.CsrDer(["a.example", "b.example"], []);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.FinalizeAsync(order, csr));

        Assert.Contains("missing from the CSR: [ip:127.0.0.1], not in the order: [dns:b.example]", error.Message);
        Assert.DoesNotContain(_server.Received, r => r.Request.Method == HttpMethod.Post);
    }

    [Fact]
    public async Task A_reply_missing_a_required_member_is_reported_as_malformed()
    {
        using var client = Client();
        _server.Reply(HttpStatusCode.OK, """{"status":"pending","identifiers":[]}""", "application/json");

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.GetOrderAsync("https://ca.test/order/1"));

        Assert.Equal("The ACME server sent a reply that is not valid ACME JSON (the order has no \"finalize\") while reading the order", error.Message);
        Assert.Null(error.Problem);
    }

    public void Dispose() => _key.Dispose();

    private AcmeClient Client(TimeSpan? timeout = null, AcmeNewOrderTurns? newOrderTurns = null) => new(
        new AcmeClientOptions
        {
            NewOrderTurns = newOrderTurns ?? new AcmeNewOrderTurns(8),
            DirectoryUrl = new Uri(ScriptedAcmeHandler.Directory),
            UserAgent = "CertFleet/test",
            Observer = _observer,
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(15),
        },
        _key,
        _server)
    {
        AccountUrl = "https://ca.test/acct/1",
    };
}
