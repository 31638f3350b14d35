using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

[Collection(PebbleCollection.Name)]
public sealed class AcmeIssuancePebbleTests(PebbleFixture fixture)
{
    private PebbleServer Pebble => fixture.Server;

    [Fact]
    public async Task An_HTTP_01_order_for_several_names_and_an_IP_is_issued_and_chains_to_Pebble_root()
    {
        var observer = new RecordingObserver();
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble, observer);
        AcmeIdentifier[] identifiers = [AcmeIdentifier.Dns("www.certfleet.test"), AcmeIdentifier.Dns("api.certfleet.test"), AcmeIdentifier.Ip("127.0.0.1")];

        var order = await client.NewOrderAsync(identifiers);
        Assert.Equal(AcmeOrder.Pending, order.Status);
        Assert.True(order.HasIdentifiers(identifiers.Reverse()));
        Assert.Equal(3, order.AuthorizationUrls.Count);

        var (issued, chain) = await AcmeIssuance.IssueAsync(client, Pebble, identifiers);

        Assert.True(issued.HasIdentifiers(identifiers));
        var leaf = CertificateInfo.ParseFirst(chain.Pem);
        Assert.Equal(["api.certfleet.test", "www.certfleet.test"], leaf.DnsNames.Order());
        Assert.Equal(["127.0.0.1"], leaf.IpAddresses);
        Assert.Equal(2, PemBundle.Certificates(chain.Pem, "chain").Count);
        var root = await Pebble.RootPemAsync(0);
        Assert.True(AcmeIssuance.ChainsTo(chain, root));
        Assert.Equal(AcmeIssuance.CommonName(root), chain.IssuerCommonName);
        Assert.Contains(observer.Calls, c => c.Action == AcmeActions.CreateOrderCert && c.Status == 200);
        Assert.Contains(observer.Calls, c => c.Action == AcmeActions.FetchCert && c.Status == 200);
    }

    [Fact]
    public async Task A_wrong_key_authorization_fails_validation_with_the_CA_detail_and_invalidates_the_order()
    {
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble);
        AcmeIdentifier[] identifiers = [AcmeIdentifier.Dns("wrong.certfleet.test")];
        var order = await client.NewOrderAsync(identifiers);

        order = await AcmeIssuance.AnswerHttp01Async(client, Pebble, order, token => token + ".not-the-thumbprint");

        Assert.Equal(AcmeOrder.Invalid, order.Status);
        var authorization = await client.GetAuthorizationAsync(order.AuthorizationUrls[0]);
        Assert.Equal("invalid", authorization.Status);
        Assert.Equal(AcmeIdentifier.Dns("wrong.certfleet.test"), authorization.Identifier);
        Assert.Equal("unauthorized", authorization.Error!.ShortType);
        Assert.Equal(AcmeProblemAction.FixConfiguration, authorization.Error.Action);
        Assert.Contains("key authorization", authorization.Error.Detail);
        var challenge = authorization.Challenges.Single(c => c.Type == AcmeChallenge.Http01);
        Assert.Equal("invalid", challenge.Status);

        var finalize = await Assert.ThrowsAsync<AcmeException>(() => client.FinalizeAsync(order, AcmeIssuance.CsrDer(identifiers)));
        Assert.Equal(AcmeActions.CreateOrderCert, finalize.Action);
        Assert.Contains(finalize.Problem!.Detail ?? "", finalize.Message);
    }

    [Fact]
    public async Task Finalizing_before_the_order_is_ready_is_a_flow_error()
    {
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble);
        AcmeIdentifier[] identifiers = [AcmeIdentifier.Dns("early.certfleet.test")];
        var order = await client.NewOrderAsync(identifiers);

        var error = await Assert.ThrowsAsync<AcmeException>(() => client.FinalizeAsync(order, AcmeIssuance.CsrDer(identifiers)));

        Assert.Equal("orderNotReady", error.Problem!.ShortType);
        Assert.Equal(AcmeProblemAction.FlowError, error.Problem.Action);
    }

    [Fact]
    public async Task A_revoked_certificate_is_revoked_at_the_CA_and_revoking_again_gives_alreadyRevoked()
    {
        using var client = await AcmeIssuance.RegisteredClientAsync(Pebble);
        var (_, chain) = await AcmeIssuance.IssueAsync(client, Pebble, [AcmeIdentifier.Dns("revoke.certfleet.test")]);
        var leaf = CertificateInfo.ParseFirst(chain.Pem);

        await client.RevokeCertificateAsync(leaf.Der, reason: 4);

        var status = await Pebble.CertificateStatusAsync(leaf.SerialHex);
        Assert.Equal("Revoked", status.GetProperty("Status").GetString());
        var again = await Assert.ThrowsAsync<AcmeException>(() => client.RevokeCertificateAsync(leaf.Der));
        Assert.Equal("alreadyRevoked", again.Problem!.ShortType);
        Assert.Equal(AcmeProblemAction.FlowError, again.Problem.Action);
    }

    [Fact]
    public async Task A_second_client_restored_from_stored_state_continues_the_same_order()
    {
        using var key = AcmeAccountKey.Generate();
        using var first = AcmeIssuance.Client(Pebble, key);
        await first.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });
        var order = await first.NewOrderAsync([AcmeIdentifier.Dns("restored.certfleet.test")]);

        using var restored = AcmeIssuance.Client(Pebble, AcmeAccountKey.FromPem(key.ToPem()));
        restored.AccountUrl = first.AccountUrl;
        var read = await restored.GetOrderAsync(order.Url);

        Assert.Equal(order.Url, read.Url);
        Assert.Equal(order.FinalizeUrl, read.FinalizeUrl);
        Assert.Null(read.RetryAfter);
    }

    [Fact]
    public async Task The_account_orders_list_pages_through_every_pending_order_of_the_account()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = AcmeIssuance.Client(Pebble, key);
        await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });
        var created = new List<string>();
        // Pebble lists 3 orders per page by default: four make two pages.
        for (var i = 0; i < 4; i++)
            created.Add((await client.NewOrderAsync([AcmeIdentifier.Dns($"listed-{i}.certfleet.test")])).Url);

        var account = await client.GetAccountAsync();
        var listed = new List<string>();
        var pages = 0;
        for (var page = account.OrdersUrl; page is not null; pages++)
        {
            var (orders, next) = await client.ListOrdersAsync(page);
            listed.AddRange(orders);
            page = next;
        }

        Assert.Equal(created.Order(), listed.Order());
        Assert.Equal(2, pages);
    }
}
