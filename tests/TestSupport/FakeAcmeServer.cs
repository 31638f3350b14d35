using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// A minimal ACME server on loopback HTTP for grain tests: every authorization is already valid (as after authz reuse),
/// so an order is ready at once; finalize signs the CSR with an in-memory CA. Each account key gets its own account
/// (<c>/account/1</c>, <c>/account/2</c>, ...); the orders list shows every order. It counts newOrder requests and can
/// answer them with 429 rateLimited and a Retry-After, as Let's Encrypt does; it can also leave one account's orders
/// pending on a dns-01 challenge nobody answers, fail orders, or hold issuance. JWS signatures are not verified.
/// </summary>
public sealed class FakeAcmeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly ConcurrentDictionary<int, JsonObject> _orders = new();
    private readonly ConcurrentDictionary<int, string> _certificates = new();
    private int _nextOrder;
    private int _rateLimitedOrders;
    private int _retryAfterSeconds;
    private TaskCompletionSource? _heldNewOrders;
    private int _shedOrderReads;
    private int? _shedRetryAfterSeconds;
    private readonly ConcurrentDictionary<string, int> _accounts = new();
    private readonly ConcurrentDictionary<string, bool> _stalledAccounts = new();
    private readonly ConcurrentDictionary<int, JsonArray> _contacts = new();
    private readonly ConcurrentDictionary<int, bool> _stalledOrders = new();
    private int _failedOrders;
    private volatile bool _issuanceHeld;

    private FakeAcmeServer(WebApplication app)
    {
        _app = app;
        var request = new CertificateRequest("CN=Fake ACME CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(10));
    }

    /// <summary>The directory URL (spec.acme.server).</summary>
    public string DirectoryUrl { get; private set; } = "";

    /// <summary>newOrder requests received, including those answered 429.</summary>
    public int NewOrders => Volatile.Read(ref _newOrders);
    private int _newOrders;

    /// <summary>Reads of the account's orders list (a client looking for an order whose newOrder answer it lost).</summary>
    public int OrderListReads => Volatile.Read(ref _orderListReads);
    private int _orderListReads;

    /// <summary>The identifier sets (sorted, comma-joined) of the newOrder requests received, in order.</summary>
    public ConcurrentQueue<string> OrderedIdentifierSets { get; } = new();

    /// <summary>newOrder requests get no answer until <see cref="ReleaseNewOrders"/> (they are counted when they arrive).</summary>
    public void HoldNewOrders() => Volatile.Write(ref _heldNewOrders, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void ReleaseNewOrders() => Interlocked.Exchange(ref _heldNewOrders, null)?.TrySetResult();

    /// <summary>
    /// The next <paramref name="count"/> reads of an order get 503 with Retry-After in seconds and an HTML body, as a
    /// CA's load balancer sheds load; without Retry-After, 500 serverInternal, as a CA in trouble answers.
    /// </summary>
    public void ShedNextOrderReads(int count, int? retryAfterSeconds)
    {
        _shedRetryAfterSeconds = retryAfterSeconds;
        Interlocked.Exchange(ref _shedOrderReads, count);
    }

    /// <summary>Reads of an order (POST-as-GET), shed ones included.</summary>
    public int OrderReads => Volatile.Read(ref _orderReads);
    private int _orderReads;

    /// <summary>
    /// The next <paramref name="count"/> certificate downloads get 5 MiB of text (chunked, no Content-Length), past
    /// the 4 MiB a client reads of a chain, as a hostile or broken CA might send.
    /// </summary>
    public void OversizeNextCertificateDownloads(int count) => Interlocked.Exchange(ref _oversizedDownloads, count);

    /// <summary>Certificate downloads received, oversized ones included.</summary>
    public int CertificateDownloads => Volatile.Read(ref _certificateDownloads);
    private int _certificateDownloads;
    private int _oversizedDownloads;
    /// <summary>Every later order lists <paramref name="identifier"/> besides the identifiers asked for, as a CA gone wrong would.</summary>
    public void AddIdentifierToOrders(string identifier) => Volatile.Write(ref _extraIdentifier, identifier);

    private string? _extraIdentifier;

    /// <summary>The next <paramref name="count"/> newOrder requests get 429 rateLimited with Retry-After in seconds.</summary>
    public void RateLimitNextOrders(int count, int retryAfterSeconds)
    {
        _retryAfterSeconds = retryAfterSeconds;
        Interlocked.Exchange(ref _rateLimitedOrders, count);
    }

    /// <summary>
    /// Orders of this account (its URL, as the client's <c>kid</c>) stay pending: each authorization offers only a
    /// dns-01 challenge that is never validated, as for names the account's owner does not control.
    /// </summary>
    public void StallOrdersOf(string accountUrl) => _stalledAccounts[accountUrl] = true;

    /// <summary>Account updates changing the contacts are answered 400 invalidContact.</summary>
    public bool RefuseContactUpdates { get; set; }

    /// <summary>The contacts the account of <paramref name="accountUrl"/> has now.</summary>
    public IReadOnlyList<string> ContactsOf(string accountUrl) =>
        _contacts.GetValueOrDefault(int.Parse(accountUrl[(accountUrl.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture))?
            .Select(c => c!.GetValue<string>()).ToList() ?? [];

    /// <summary>The next <paramref name="count"/> orders are created invalid, with a problem naming why (nothing is issued).</summary>
    public void FailNextOrders(int count) => Interlocked.Exchange(ref _failedOrders, count);

    /// <summary>Finalized orders stay "processing" (no certificate yet) until <see cref="ReleaseIssuance"/>.</summary>
    public void HoldIssuance() => _issuanceHeld = true;

    public void ReleaseIssuance() => _issuanceHeld = false;

    /// <summary>Orders finalized so far (each becomes a certificate once issuance is not held).</summary>
    public int Finalized => Volatile.Read(ref _finalized);
    private int _finalized;

    public static async Task<FakeAcmeServer> StartAsync()
    {
        var app = LoopbackWebServer.Build();
        var server = new FakeAcmeServer(app);
        app.Run(server.HandleAsync);
        server._base = (await app.StartListeningAsync())[0].GetLeftPart(UriPartial.Authority);
        server.DirectoryUrl = server._base + "/directory";
        return server;
    }

    private string _base = "";

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers["Replay-Nonce"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var path = context.Request.Path.Value ?? "";
        if (path == "/directory")
        {
            await JsonAsync(context, 200, new JsonObject
            {
                ["newNonce"] = $"{_base}/nonce", ["newAccount"] = $"{_base}/account", ["newOrder"] = $"{_base}/order",
                ["revokeCert"] = $"{_base}/revoke", ["keyChange"] = $"{_base}/key-change",
            });
            return;
        }
        if (path == "/nonce")
        {
            context.Response.StatusCode = HttpMethods.IsHead(context.Request.Method) ? 200 : 204;
            return;
        }
        var (header, payload) = await JwsAsync(context.Request);
        switch (path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            case ["account"]:
                // One account per key, as a CA keeps them: the same key registering again finds its account.
                var key = header?["jwk"]?.ToJsonString() ?? "";
                var account = _accounts.GetOrAdd(key, _ => _accounts.Count + 1);
                // A key registering again finds its account as it was: its contacts are not changed (RFC 8555 7.3.1).
                var contacts = _contacts.GetOrAdd(account, _ => payload?["contact"]?.DeepClone().AsArray() ?? []);
                context.Response.Headers.Location = $"{_base}/account/{account}";
                await JsonAsync(context, 201, new JsonObject { ["status"] = "valid", ["contact"] = contacts.DeepClone() });
                return;
            case ["account", var accountId]:
                var number = int.Parse(accountId, System.Globalization.CultureInfo.InvariantCulture);
                if (payload?["contact"] is JsonArray update)
                {
                    if (RefuseContactUpdates)
                    {
                        await ProblemAsync(context, 400, "invalidContact", "contact updates are refused by this server");
                        return;
                    }
                    _contacts[number] = update.DeepClone().AsArray();
                }
                await JsonAsync(context, 200, new JsonObject
                {
                    ["status"] = "valid", ["orders"] = $"{_base}/account/{accountId}/orders",
                    ["contact"] = _contacts.GetValueOrDefault(number)?.DeepClone() ?? new JsonArray(),
                });
                return;
            case ["account", _, "orders"]:
                Interlocked.Increment(ref _orderListReads);
                await JsonAsync(context, 200, new JsonObject
                {
                    ["orders"] = new JsonArray([.. _orders.Keys.Order().Select(id => (JsonNode)JsonValue.Create($"{_base}/order/{id}"))]),
                });
                return;
            case ["order"]:
                await NewOrderAsync(context, header?["kid"]?.GetValue<string>() ?? "", payload!);
                return;
            case ["order", var id] when _orders.TryGetValue(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture), out var order):
                Interlocked.Increment(ref _orderReads);
                if (Interlocked.Decrement(ref _shedOrderReads) >= 0)
                {
                    if (_shedRetryAfterSeconds is null)
                    {
                        await ProblemAsync(context, 500, "serverInternal", "the CA had an internal error");
                        return;
                    }
                    context.Response.StatusCode = 503;
                    context.Response.Headers.RetryAfter = _shedRetryAfterSeconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html>Service Unavailable</html>");
                    return;
                }
                Interlocked.Exchange(ref _shedOrderReads, 0);
                if (order["status"]!.GetValue<string>() == "processing" && !_issuanceHeld)
                {
                    order["status"] = "valid";
                    order["certificate"] = $"{_base}/cert/{id}";
                }
                await JsonAsync(context, 200, order);
                return;
            case ["order", var id, "finalize"] when _orders.TryGetValue(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture), out var order):
                var csr = Convert.FromBase64String(Pad(payload!["csr"]!.GetValue<string>()));
                _certificates[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture)] = Sign(csr);
                Interlocked.Increment(ref _finalized);
                if (_issuanceHeld)
                {
                    order["status"] = "processing";
                }
                else
                {
                    order["status"] = "valid";
                    order["certificate"] = $"{_base}/cert/{id}";
                }
                await JsonAsync(context, 200, order);
                return;
            case ["authz", var orderId, var identifier]:
                var stalled = _stalledOrders.ContainsKey(int.Parse(orderId, System.Globalization.CultureInfo.InvariantCulture));
                await JsonAsync(context, 200, new JsonObject
                {
                    ["status"] = stalled ? "pending" : "valid",
                    ["identifier"] = new JsonObject { ["type"] = "dns", ["value"] = identifier },
                    ["challenges"] = stalled
                        ? new JsonArray(new JsonObject
                        {
                            ["type"] = "dns-01", ["status"] = "pending", ["url"] = $"{_base}/chall/{orderId}/{identifier}",
                            ["token"] = $"token-{orderId}-{identifier.Replace('.', '-')}",
                        })
                        : new JsonArray(),
                });
                return;
            case ["cert", var id] when _certificates.TryGetValue(int.Parse(id, System.Globalization.CultureInfo.InvariantCulture), out var chain):
                Interlocked.Increment(ref _certificateDownloads);
                context.Response.ContentType = "application/pem-certificate-chain";
                if (Interlocked.Decrement(ref _oversizedDownloads) >= 0)
                {
                    var line = Encoding.ASCII.GetBytes(new string('A', 1023) + "\n");
                    try
                    {
                        for (var i = 0; i < 5 * 1024; i++)
                            await context.Response.Body.WriteAsync(line, context.RequestAborted);
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException)
                    {
                        // The client stopped reading at its limit and hung up.
                    }
                    return;
                }
                Interlocked.Exchange(ref _oversizedDownloads, 0);
                await context.Response.WriteAsync(chain);
                return;
            default:
                await ProblemAsync(context, 404, "malformed", $"no such resource {path}");
                return;
        }
    }

    private async Task NewOrderAsync(HttpContext context, string accountUrl, JsonNode payload)
    {
        Interlocked.Increment(ref _newOrders);
        if (Volatile.Read(ref _heldNewOrders) is { } held)
            await held.Task;
        var identifiers = payload["identifiers"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()).ToList();
        OrderedIdentifierSets.Enqueue(string.Join(',', identifiers.Order(StringComparer.Ordinal)));
        if (Interlocked.Decrement(ref _rateLimitedOrders) >= 0)
        {
            context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ProblemAsync(context, 429, "rateLimited",
                $"too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after {DateTimeOffset.UtcNow.AddSeconds(_retryAfterSeconds):yyyy-MM-dd HH:mm:ss} UTC");
            return;
        }
        Interlocked.Exchange(ref _rateLimitedOrders, 0);
        var id = Interlocked.Increment(ref _nextOrder);
        var stalled = _stalledAccounts.ContainsKey(accountUrl);
        if (stalled)
            _stalledOrders[id] = true;
        var failed = Interlocked.Decrement(ref _failedOrders) >= 0;
        if (!failed)
            Interlocked.Exchange(ref _failedOrders, 0);
        if (Volatile.Read(ref _extraIdentifier) is { } extra)
            identifiers = [.. identifiers, extra];
        var order = new JsonObject
        {
            ["status"] = failed ? "invalid" : stalled ? "pending" : "ready",
            ["expires"] = DateTimeOffset.UtcNow.AddDays(7).ToString("O"),
            ["identifiers"] = new JsonArray([.. identifiers.Select(v => (JsonNode)new JsonObject { ["type"] = "dns", ["value"] = v })]),
            ["authorizations"] = new JsonArray([.. identifiers.Select(v => (JsonNode)JsonValue.Create($"{_base}/authz/{id}/{v}"))]),
            ["finalize"] = $"{_base}/order/{id}/finalize",
        };
        if (failed)
            order["error"] = new JsonObject { ["type"] = "urn:ietf:params:acme:error:serverInternal", ["detail"] = "the fake CA failed this order" };
        _orders[id] = order;
        context.Response.Headers.Location = $"{_base}/order/{id}";
        await JsonAsync(context, 201, order);
    }

    private string Sign(byte[] csrDer)
    {
        var request = CertificateRequest.LoadSigningRequest(csrDer, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var leaf = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey),
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(90), serial);
        return leaf.ExportCertificatePem() + "\n" + _ca.ExportCertificatePem() + "\n";
    }

    /// <summary>The JWS's protected header (kid or jwk) and payload.</summary>
    private static async Task<(JsonNode? Header, JsonNode? Payload)> JwsAsync(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
            return (null, null);
        var jws = await JsonNode.ParseAsync(request.Body);
        JsonNode? Decode(string field) => jws?[field]?.GetValue<string>() is { Length: > 0 } encoded
            ? JsonNode.Parse(Convert.FromBase64String(Pad(encoded)))
            : null;
        return (Decode("protected"), Decode("payload"));
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task ProblemAsync(HttpContext context, int status, string type, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { type = $"urn:ietf:params:acme:error:{type}", detail, status }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
        _caKey.Dispose();
    }
}
