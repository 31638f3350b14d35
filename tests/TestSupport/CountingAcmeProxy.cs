using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CertFleet.TestSupport;

/// <summary>
/// An HTTPS proxy in front of an ACME server (Pebble) that counts the newOrder requests reaching it and can answer
/// the next ones itself with 429 rateLimited and a Retry-After, as Let's Encrypt does. The Host header is passed on,
/// so Pebble writes the proxy's address into every URL it returns and checks JWS urls against it. Trust
/// <see cref="CaPem"/> (the proxy's own self-signed certificate) as the issuer's caBundle.
/// </summary>
public sealed class CountingAcmeProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamBase;
    private string _newOrderPath = "";
    private int _rateLimited;
    private int _retryAfterSeconds;
    private int _refused;

    private CountingAcmeProxy(WebApplication app, HttpClient upstream, Uri upstreamBase, string caPem)
    {
        _app = app;
        _upstream = upstream;
        _upstreamBase = upstreamBase;
        CaPem = caPem;
    }

    /// <summary>The upstream directory URL, on the proxy's address.</summary>
    public Uri DirectoryUrl { get; private set; } = null!;

    public string CaPem { get; }

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

    public static async Task<CountingAcmeProxy> StartAsync(Uri upstreamDirectory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=CertFleet test ACME proxy", key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(sans.Build());
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var serverCertificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pfx), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(serverCertificate)));
        var app = builder.Build();
        // Loopback test traffic to Pebble's throwaway listener certificate.
        var upstream = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
        var proxy = new CountingAcmeProxy(app, upstream, new Uri(upstreamDirectory.GetLeftPart(UriPartial.Authority)), selfSigned.ExportCertificatePem());
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        proxy.DirectoryUrl = new Uri($"https://127.0.0.1:{address.Port}{upstreamDirectory.PathAndQuery}");
        using var directory = JsonDocument.Parse(await upstream.GetStringAsync(upstreamDirectory));
        proxy._newOrderPath = new Uri(directory.RootElement.GetProperty("newOrder").GetString()!).AbsolutePath;
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var isNewOrder = HttpMethods.IsPost(context.Request.Method) && path == _newOrderPath;
        if (isNewOrder && Interlocked.Decrement(ref _rateLimited) >= 0)
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
            }));
            return;
        }
        if (isNewOrder)
        {
            Interlocked.Exchange(ref _rateLimited, 0);
            ForwardedNewOrders.Enqueue(DateTimeOffset.UtcNow);
        }

        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_upstreamBase, context.Request.Path + context.Request.QueryString));
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (body.Length > 0 || HttpMethods.IsPost(context.Request.Method))
        {
            forward.Content = new ByteArrayContent(body.ToArray());
            if (context.Request.ContentType is { } contentType)
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        foreach (var header in context.Request.Headers.Where(h => h.Key is "Accept" or "User-Agent"))
            forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        forward.Headers.Host = context.Request.Host.Value;

        using var response = await _upstream.SendAsync(forward);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Transfer-Encoding" && h.Key != "Content-Length"))
            context.Response.Headers[header.Key] = header.Value.ToArray();
        await response.Content.CopyToAsync(context.Response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
