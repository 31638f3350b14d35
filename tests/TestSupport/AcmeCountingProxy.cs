using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>What a request to the CA was, as far as the crash tests care.</summary>
public enum AcmeRequestKind
{
    Other,
    NewOrder,
    AcceptChallenge,
    Finalize,
}

/// <summary>How the proxy breaks the next requests (POSTs: the signed ones) that <see cref="AcmeCountingProxy.Storm"/> arms.</summary>
public enum AcmeFault
{
    /// <summary>Answered 500 serverInternal by the proxy; the CA never sees the request.</summary>
    ServerError,

    /// <summary>Answered 400 badNonce with a fresh Replay-Nonce from the CA, as a CA does; the CA never sees the request.</summary>
    BadNonce,

    /// <summary>Forwarded, so the CA acts on it, and the answer held until the client gives up: an answer lost in transit.</summary>
    Timeout,
}

/// <summary>
/// One forwarded request, seen after the CA answered and before the client hears the answer.
/// <paramref name="Sequence"/> counts the requests of this kind so far, this one included.
/// </summary>
public sealed record AcmeExchange(AcmeRequestKind Kind, int Sequence, int StatusCode, string? Identifiers);

/// <summary>
/// A TLS reverse proxy on its own loopback port in front of a <see cref="PebbleServer"/>'s ACME endpoint. It forwards
/// every request unchanged, Host header included, so Pebble builds every URL it hands out (directory, Location, links,
/// the JWS "url" it expects) from the proxy's address and the client never talks to Pebble directly. It counts the
/// orders Pebble creates per identifier set, and <see cref="BeforeAnswer"/> runs between the CA's answer and its relay:
/// exactly where a client crash loses an answer the CA has already acted on. It can also answer the next newOrder
/// requests itself with 429 rateLimited and a Retry-After, as Let's Encrypt does (<see cref="RateLimitNextOrders"/>),
/// break the next signed requests (<see cref="Storm"/>), or refuse every connection for a while (<see cref="GoDown"/>).
/// Trust <see cref="CaPem"/> (an Issuer's caBundle) to talk to it.
/// </summary>
public sealed class AcmeCountingProxy : IAsyncDisposable
{
    /// <summary>Pebble's own paths for challenge and finalize requests (its directory only names newOrder).</summary>
    private const string PebbleChallengePath = "/chalZ/";
    private const string PebbleFinalizePath = "/finalize-order/";

    private static readonly HashSet<string> UnforwardedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Content-Length", "Content-Type", "Keep-Alive", "Upgrade",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _pebbleBase;
    private readonly string _newOrderPath;
    private readonly string _newNoncePath;
    private readonly string _directory;
    private readonly ConcurrentDictionary<AcmeRequestKind, int> _requests = new();
    private readonly ConcurrentDictionary<string, int> _ordersCreated = new(StringComparer.Ordinal);
    private int _rateLimited;
    private int _retryAfterSeconds;
    private int _refused;
    private int _stormRemaining;
    private int _stormed;
    private int _reset;
    private AcmeFault _storm;
    private long _downUntilTicks;

    private AcmeCountingProxy(WebApplication app, HttpClient upstream, Uri pebbleBase, string newOrderPath, string newNoncePath, string directory, string caPem)
    {
        _newNoncePath = newNoncePath;
        _app = app;
        _upstream = upstream;
        _pebbleBase = pebbleBase;
        _newOrderPath = newOrderPath;
        _directory = directory;
        CaPem = caPem;
    }

    /// <summary>The directory URL to give clients: https://127.0.0.1:port/ plus Pebble's directory path.</summary>
    public Uri DirectoryUrl { get; private set; } = null!;

    /// <summary>The PEM root that signed the proxy's listener certificate.</summary>
    public string CaPem { get; }

    /// <summary>Awaited after the CA answered each request and before the answer is relayed; null: relay at once.</summary>
    public Func<AcmeExchange, Task>? BeforeAnswer { get; set; }

    /// <summary>Requests of <paramref name="kind"/> forwarded so far, whatever the CA answered.</summary>
    public int Requests(AcmeRequestKind kind) => _requests.GetValueOrDefault(kind);

    /// <summary>Orders the CA created (newOrder answered 201), per identifier set as "dns:a.example,dns:b.example" (sorted).</summary>
    public IReadOnlyDictionary<string, int> OrdersCreated => new Dictionary<string, int>(_ordersCreated);

    /// <summary>When each newOrder that reached the CA was forwarded.</summary>
    public ConcurrentQueue<DateTimeOffset> ForwardedNewOrders { get; } = new();

    /// <summary>newOrder requests the proxy answered 429 itself.</summary>
    public int RefusedNewOrders => Volatile.Read(ref _refused);

    /// <summary>The next <paramref name="count"/> newOrder requests are answered 429 with Retry-After in seconds.</summary>
    public void RateLimitNextOrders(int count, int retryAfterSeconds)
    {
        _retryAfterSeconds = retryAfterSeconds;
        Interlocked.Exchange(ref _rateLimited, count);
    }

    /// <summary>Requests <see cref="Storm"/> broke so far.</summary>
    public int StormedRequests => Volatile.Read(ref _stormed);

    /// <summary>The next <paramref name="count"/> POSTs are broken as <paramref name="fault"/> says.</summary>
    public void Storm(AcmeFault fault, int count)
    {
        _storm = fault;
        Interlocked.Exchange(ref _stormRemaining, count);
    }

    /// <summary>
    /// Every connection is reset for <paramref name="downtime"/>, answers already under way included, as while a CA
    /// restarts. The CA's state is kept, as a real CA's database survives its restart.
    /// </summary>
    public void GoDown(TimeSpan downtime) => Interlocked.Exchange(ref _downUntilTicks, (DateTimeOffset.UtcNow + downtime).UtcTicks);

    /// <summary>Connections <see cref="GoDown"/> reset so far.</summary>
    public int ResetConnections => Volatile.Read(ref _reset);

    private bool IsDown => DateTimeOffset.UtcNow.UtcTicks < Interlocked.Read(ref _downUntilTicks);

    /// <summary>The key <see cref="OrdersCreated"/> uses for one DNS name.</summary>
    public static string IdentifierSet(params string[] dnsNames) =>
        string.Join(',', dnsNames.Select(n => "dns:" + n.ToLowerInvariant()).Order(StringComparer.Ordinal));

    public static async Task<AcmeCountingProxy> StartAsync(PebbleServer pebble)
    {
        var directory = Directory.CreateTempSubdirectory("certfleet-acme-proxy-").FullName;
        var caPem = PebbleServer.WriteListenerCertificate(directory, out var certificatePath, out var keyPath);
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Kestrel wants a certificate whose key it can use for TLS: round-trip through PKCS#12.
        var listenerCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);

        var upstream = new HttpClient(PebbleServer.TrustingOnly(pebble.ListenerCaPem)) { Timeout = TimeSpan.FromSeconds(20) };
        var pebbleDirectory = JsonDocument.Parse(await upstream.GetStringAsync(pebble.DirectoryUrl).ConfigureAwait(false));
        var newOrderPath = new Uri(pebbleDirectory.RootElement.GetProperty("newOrder").GetString()!).AbsolutePath;
        var newNoncePath = new Uri(pebbleDirectory.RootElement.GetProperty("newNonce").GetString()!).AbsolutePath;

        var app = LoopbackWebServer.Build(listenerCertificate);
        var proxy = new AcmeCountingProxy(app, upstream, new Uri(pebble.DirectoryUrl, "/"), newOrderPath, newNoncePath, directory, caPem);
        app.Run(proxy.ForwardAsync);
        proxy.DirectoryUrl = new Uri((await app.StartListeningAsync().ConfigureAwait(false))[0], pebble.DirectoryUrl.AbsolutePath);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _upstream.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsDown)
        {
            Interlocked.Increment(ref _reset);
            context.Abort();
            return;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        if (HttpMethods.IsPost(request.Method) && request.Path.Value == _newOrderPath)
        {
            if (Interlocked.Decrement(ref _rateLimited) >= 0)
            {
                await RefuseWithRateLimitAsync(context).ConfigureAwait(false);
                return;
            }
            Interlocked.Exchange(ref _rateLimited, 0);
        }
        AcmeFault? storm = null;
        if (HttpMethods.IsPost(request.Method))
        {
            if (Interlocked.Decrement(ref _stormRemaining) >= 0)
            {
                storm = _storm;
                Interlocked.Increment(ref _stormed);
            }
            else
            {
                Interlocked.Exchange(ref _stormRemaining, 0);
            }
        }
        if (storm is AcmeFault.ServerError or AcmeFault.BadNonce)
        {
            await AnswerStormAsync(context, storm.Value).ConfigureAwait(false);
            return;
        }
        if (HttpMethods.IsPost(request.Method) && request.Path.Value == _newOrderPath)
            ForwardedNewOrders.Enqueue(DateTimeOffset.UtcNow);

        using var upstream = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_pebbleBase, request.Path + request.QueryString));
        if (body.Length > 0)
        {
            upstream.Content = new ByteArrayContent(body);
            if (request.ContentType is { } contentType)
                upstream.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (!UnforwardedHeaders.Contains(name))
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        // Pebble builds URLs, and checks the JWS "url", from the Host it is asked for: ours.
        upstream.Headers.Host = request.Host.Value;

        // Not the client's abort token: the CA's side of the exchange completes even when the client dies meanwhile.
        using var answer = await _upstream.SendAsync(upstream).ConfigureAwait(false);
        var answerBody = await answer.Content.ReadAsByteArrayAsync().ConfigureAwait(false);

        var kind = Classify(request.Method, request.Path.Value ?? "", body);
        var sequence = _requests.AddOrUpdate(kind, 1, (_, n) => n + 1);
        var identifiers = kind == AcmeRequestKind.NewOrder ? OrderedIdentifiers(body) : null;
        if (identifiers is not null && answer.StatusCode == HttpStatusCode.Created)
            _ordersCreated.AddOrUpdate(identifiers, 1, (_, n) => n + 1);
        if (BeforeAnswer is { } hook)
            await hook(new AcmeExchange(kind, sequence, (int)answer.StatusCode, identifiers)).ConfigureAwait(false);
        if (storm == AcmeFault.Timeout)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client gave up waiting: the answer is lost, as intended.
            }
            context.Abort();
            return;
        }
        if (IsDown)
        {
            // The CA acted and went down before its answer left: the client sees the connection reset.
            Interlocked.Increment(ref _reset);
            context.Abort();
            return;
        }

        try
        {
            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (!UnforwardedHeaders.Contains(name) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    context.Response.Headers[name] = values.ToArray();
            }
            context.Response.ContentLength = answerBody.Length;
            await context.Response.Body.WriteAsync(answerBody, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client is gone (killed while the hook held its answer): the answer is lost, as intended.
        }
    }

    private async Task RefuseWithRateLimitAsync(HttpContext context)
    {
        Interlocked.Increment(ref _refused);
        context.Response.StatusCode = 429;
        context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            type = "urn:ietf:params:acme:error:rateLimited",
            detail = $"too many new orders recently, retry after {DateTimeOffset.UtcNow.AddSeconds(_retryAfterSeconds):yyyy-MM-dd HH:mm:ss} UTC",
            status = 429,
        })).ConfigureAwait(false);
    }

    private async Task AnswerStormAsync(HttpContext context, AcmeFault fault)
    {
        var badNonce = fault == AcmeFault.BadNonce;
        if (badNonce)
        {
            // A CA's badNonce answer carries a fresh nonce; Pebble's newNonce hands one out.
            using var head = new HttpRequestMessage(HttpMethod.Head, new Uri(_pebbleBase, _newNoncePath));
            using var nonce = await _upstream.SendAsync(head).ConfigureAwait(false);
            if (nonce.Headers.TryGetValues("Replay-Nonce", out var values))
                context.Response.Headers["Replay-Nonce"] = values.ToArray();
        }
        context.Response.StatusCode = badNonce ? 400 : 500;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            type = badNonce ? "urn:ietf:params:acme:error:badNonce" : "urn:ietf:params:acme:error:serverInternal",
            detail = badNonce ? "JWS has an invalid anti-replay nonce (injected)" : "the CA had an internal error (injected)",
            status = badNonce ? 400 : 500,
        })).ConfigureAwait(false);
    }

    private AcmeRequestKind Classify(string method, string path, byte[] jws)
    {
        if (!HttpMethods.IsPost(method))
            return AcmeRequestKind.Other;
        if (path == _newOrderPath)
            return AcmeRequestKind.NewOrder;
        if (path.StartsWith(PebbleFinalizePath, StringComparison.Ordinal))
            return AcmeRequestKind.Finalize;
        // A POST-as-GET (empty payload) only reads a challenge; a payload ({}) accepts it.
        return path.StartsWith(PebbleChallengePath, StringComparison.Ordinal) && Payload(jws) is { Length: > 0 }
            ? AcmeRequestKind.AcceptChallenge
            : AcmeRequestKind.Other;
    }

    /// <summary>The (unverified) payload of a flattened JWS; null when the body is none.</summary>
    private static byte[]? Payload(byte[] jws)
    {
        try
        {
            using var envelope = JsonDocument.Parse(jws);
            return Base64Url.DecodeFromChars(envelope.RootElement.GetProperty("payload").GetString());
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The identifier set of a newOrder JWS as <see cref="IdentifierSet"/> spells it.</summary>
    private static string? OrderedIdentifiers(byte[] jws)
    {
        if (Payload(jws) is not { Length: > 0 } payload)
            return null;
        try
        {
            using var order = JsonDocument.Parse(payload);
            return string.Join(',', order.RootElement.GetProperty("identifiers").EnumerateArray()
                .Select(i => i.GetProperty("type").GetString() + ":" + i.GetProperty("value").GetString()!.ToLowerInvariant())
                .Order(StringComparer.Ordinal));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
