using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// Pebble 2.4 with ARI and profiles: a TLS proxy on loopback (Pebble's listener certificate, so the same caBundle
/// works) that forwards every request to Pebble with its own Host header (Pebble builds every URL it returns from
/// the Host, so clients stay on the proxy), adds <c>renewalInfo</c> and <c>meta.profiles</c> to the directory,
/// answers renewalInfo GETs with a window per CertID, records each newOrder payload and can refuse <c>replaces</c>
/// with 409 alreadyReplaced. Pebble 2.4 ignores <c>replaces</c> and <c>profile</c> (verified), so they are passed
/// on as signed; a proxy could not strip them without breaking the JWS anyway.
/// </summary>
public sealed class AriResponder : IAsyncDisposable
{
    private const string RenewalInfoPath = "/renewal-info";
    private readonly WebApplication _app;
    private readonly HttpClient _pebble;
    private readonly Uri _pebbleRoot;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Start, DateTimeOffset End)> _windows = new();
    private volatile string? _newOrderPath;
    private int _replacesToRefuse;

    private AriResponder(WebApplication app, PebbleServer pebble, bool advertise)
    {
        _app = app;
        _pebble = new HttpClient(PebbleServer.TrustingOnly(pebble.ListenerCaPem)) { Timeout = TimeSpan.FromSeconds(20) };
        _pebbleRoot = new Uri(pebble.DirectoryUrl.GetLeftPart(UriPartial.Authority));
        Advertises = advertise;
    }

    /// <summary>Whether the directory gains renewalInfo and meta.profiles; without, this is a plain recording proxy.</summary>
    public bool Advertises { get; }

    /// <summary>The directory URL to give an Issuer (with Pebble's caBundle).</summary>
    public Uri DirectoryUrl { get; private set; } = null!;

    /// <summary>meta.profiles as advertised.</summary>
    public IReadOnlyDictionary<string, string> Profiles { get; init; } = new Dictionary<string, string>
    {
        ["classic"] = "The same profile you're accustomed to",
        ["shortlived"] = "A short-lived certificate profile",
    };

    /// <summary>The window for a CertID nobody set one for: a month from now, for a day.</summary>
    public Func<string, (DateTimeOffset Start, DateTimeOffset End)> DefaultWindow { get; set; } =
        _ => (DateTimeOffset.UtcNow.AddDays(30), DateTimeOffset.UtcNow.AddDays(31));

    /// <summary>Sent as Retry-After (whole seconds) with every renewalInfo answer.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The payload of every newOrder Pebble accepted or this responder refused (409), in arrival order.</summary>
    public ConcurrentQueue<JsonElement> NewOrders { get; } = new();

    /// <summary>The CertIDs renewalInfo was asked about, in order.</summary>
    public ConcurrentQueue<string> RenewalInfoRequests { get; } = new();

    public static async Task<AriResponder> StartAsync(PebbleServer pebble, bool advertise = true)
    {
        var app = LoopbackWebServer.Build(X509Certificate2.CreateFromPemFile(pebble.ListenerCertificatePath, pebble.ListenerKeyPath));
        var responder = new AriResponder(app, pebble, advertise);
        app.Run(responder.HandleAsync);
        responder.DirectoryUrl = new Uri((await app.StartListeningAsync().ConfigureAwait(false))[0], "/dir");
        return responder;
    }

    /// <summary>Serves this window for <paramref name="certId"/> from now on (e.g. earlier, as after a revocation).</summary>
    public void SetWindow(string certId, DateTimeOffset start, DateTimeOffset end) => _windows[certId] = (start, end);

    /// <summary>The next newOrder that carries <c>replaces</c> is answered 409 alreadyReplaced.</summary>
    public void RefuseNextReplaces() => Interlocked.Exchange(ref _replacesToRefuse, 1);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        _pebble.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (Advertises && request.Method == HttpMethods.Get && request.Path.StartsWithSegments(RenewalInfoPath, out var rest))
        {
            await AnswerRenewalInfoAsync(context, rest.Value!.Trim('/')).ConfigureAwait(false);
            return;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        if (request.Method == HttpMethods.Post && request.Path.Value == _newOrderPath)
        {
            var payload = Payload(body);
            if (payload.TryGetProperty("replaces", out _) && Interlocked.Exchange(ref _replacesToRefuse, 0) == 1)
            {
                NewOrders.Enqueue(payload);
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                context.Response.ContentType = "application/problem+json";
                await context.Response.WriteAsync("""
                    {"type":"urn:ietf:params:acme:error:alreadyReplaced","detail":"the certificate being replaced has already been replaced","status":409}
                    """, context.RequestAborted).ConfigureAwait(false);
                return;
            }
            // Pebble rejects some nonces (badNonce) and the client resends: only orders Pebble took count.
            if (await ForwardAsync(context, body).ConfigureAwait(false) < 400)
                NewOrders.Enqueue(payload);
            return;
        }
        await ForwardAsync(context, body).ConfigureAwait(false);
    }

    private async Task AnswerRenewalInfoAsync(HttpContext context, string certId)
    {
        RenewalInfoRequests.Enqueue(certId);
        var (start, end) = _windows.TryGetValue(certId, out var set) ? set : DefaultWindow(certId);
        context.Response.ContentType = "application/json";
        context.Response.Headers.RetryAfter = ((long)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var window = new JsonObject
        {
            ["suggestedWindow"] = new JsonObject { ["start"] = Rfc3339(start), ["end"] = Rfc3339(end) },
            ["explanationURL"] = $"https://{context.Request.Host}/why/{certId}",
        };
        await context.Response.WriteAsync(window.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Sends the request on to Pebble and copies its answer back; returns Pebble's status.</summary>
    private async Task<int> ForwardAsync(HttpContext context, byte[] body)
    {
        var request = context.Request;
        using var upstream = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_pebbleRoot, request.Path + request.QueryString));
        // Pebble writes this Host into every URL it returns and checks the JWS url against it.
        upstream.Headers.Host = request.Host.Value;
        if (body.Length > 0 || request.Method == HttpMethods.Post)
        {
            upstream.Content = new ByteArrayContent(body);
            if (request.ContentType is { } contentType)
                upstream.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        foreach (var name in new[] { "Accept", "User-Agent" })
            if (request.Headers.TryGetValue(name, out var values))
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);

        using var response = await _pebble.SendAsync(upstream, context.RequestAborted).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
        if (request.Method == HttpMethods.Get && request.Path.Value == "/dir" && response.IsSuccessStatusCode)
            answer = Encoding.UTF8.GetBytes(Directory(answer, request.Host.Value!));

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (name is not ("Transfer-Encoding" or "Content-Length" or "Connection"))
                context.Response.Headers[name] = values.ToArray();
        if (request.Method != HttpMethods.Head)
            await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    private string Directory(byte[] pebbleDirectory, string host)
    {
        var directory = JsonNode.Parse(pebbleDirectory)!.AsObject();
        _newOrderPath = new Uri(directory["newOrder"]!.GetValue<string>()).AbsolutePath;
        if (Advertises)
        {
            directory["renewalInfo"] = $"https://{host}{RenewalInfoPath}";
            var meta = directory["meta"] as JsonObject ?? [];
            directory["meta"] = meta;
            var profiles = new JsonObject();
            foreach (var (name, description) in Profiles)
                profiles[name] = description;
            meta["profiles"] = profiles;
        }
        return directory.ToJsonString();
    }

    private static JsonElement Payload(byte[] jws)
    {
        using var document = JsonDocument.Parse(jws);
        var payload = Base64Url.DecodeFromChars(document.RootElement.GetProperty("payload").GetString());
        return JsonDocument.Parse(payload.Length == 0 ? "{}"u8.ToArray() : payload).RootElement.Clone();
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
