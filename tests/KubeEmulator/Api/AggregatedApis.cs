using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// The aggregation layer, as kube-aggregator does it: a request under /apis/{group}/{version} of an APIService backed
/// by a Service is proxied to that Service (an ExternalName Service's host, else its cluster IP, at spec.service.port,
/// 443 by default) over HTTPS, checked against spec.caBundle for the name &lt;service&gt;.&lt;namespace&gt;.svc unless
/// insecureSkipTLSVerify; the caller's identity goes along as X-Remote-User / X-Remote-Group instead of its token.
/// Tests point an ExternalName Service at 127.0.0.1.
/// </summary>
internal sealed class AggregatedApis(ObjectStore store)
{
    private const int DefaultPort = 443;
    private static readonly TimeSpan ProxyTimeout = TimeSpan.FromSeconds(25);
    private static readonly HashSet<string> RequestHeaders = ["Accept", "Content-Type", "User-Agent"];

    /// <summary>The APIService that hands group/version to a Service, or null when this server serves it (or nobody does).</summary>
    public JsonObject? Find(string group, string version) =>
        store.Bucket(ApiServiceStrategy.GroupResource).Get(new ObjectKey("", $"{version}.{group}"))?.Object is { } apiService
        && apiService.ObjectAt("spec", "service") is not null
            ? apiService
            : null;

    /// <summary>Every group version served through a Service, with the APIService's version priority.</summary>
    public IReadOnlyList<(string Group, string Version, long Priority)> Served() =>
        store.Bucket(ApiServiceStrategy.GroupResource).List(null, o => o.Object.ObjectAt("spec", "service") is not null).Items
            .Select(o => (o.Object.StringAt("spec", "group") ?? "", o.Object.StringAt("spec", "version") ?? "", o.Object.At("spec", "versionPriority").AsLong() ?? 0))
            .Where(v => v.Item1.Length > 0 && v.Item2.Length > 0)
            .ToList();

    public async Task ProxyAsync(HttpContext context, JsonObject apiService, string user)
    {
        var (baseUri, serverName) = Backend(apiService);
        var caBundle = apiService.StringAt("spec", "caBundle");
        var insecure = apiService.At("spec", "insecureSkipTLSVerify").AsBool() == true;
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    insecure || (certificate is X509Certificate2 presented && Trusted(presented, caBundle, errors)),
            },
        };
        using var client = new HttpClient(handler) { Timeout = ProxyTimeout };
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method),
            new Uri(baseUri, $"{context.Request.Path}{context.Request.QueryString}"));
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            request.Content = new ByteArrayContent(buffer.ToArray());
        }
        foreach (var header in context.Request.Headers.Where(h => RequestHeaders.Contains(h.Key)))
        {
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }
        request.Headers.Add("X-Remote-User", user);
        request.Headers.Add("X-Remote-Group", "system:authenticated");
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            throw new ApiError(503, "ServiceUnavailable", $"error trying to reach service: {e.Message}");
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            await ResponseWriter.WriteAsync(context, (int)response.StatusCode, body,
                response.Content.Headers.ContentType?.ToString() ?? "application/json");
        }
    }

    /// <summary>Where spec.service points, and the name its certificate must carry.</summary>
    private (Uri BaseUri, string ServerName) Backend(JsonObject apiService)
    {
        var reference = apiService.ObjectAt("spec", "service")!;
        var ns = reference.StringAt("namespace") ?? "";
        var name = reference.StringAt("name") ?? "";
        var port = reference.At("port").AsLong() ?? DefaultPort;
        var service = store.Bucket("services").Get(new ObjectKey(ns, name))?.Object
                      ?? throw new ApiError(503, "ServiceUnavailable", $"service \"{ns}/{name}\" not found");
        string host;
        if (service.StringAt("spec", "type") == "ExternalName")
        {
            host = service.StringAt("spec", "externalName") ?? "";
        }
        else if ((service.ArrayAt("spec", "ports") ?? []).Any(p => p.At("port").AsLong() == port))
        {
            host = service.StringAt("spec", "clusterIP") ?? "";
        }
        else
        {
            throw new ApiError(503, "ServiceUnavailable", $"service \"{ns}/{name}\" has no port {port}");
        }
        var authority = host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
        return (new Uri($"https://{authority}"), $"{name}.{ns}.svc");
    }

    /// <summary>The backend's certificate, for its service name, chains to a root of the caBundle.</summary>
    private static bool Trusted(X509Certificate2 certificate, string? caBundle, SslPolicyErrors errors)
    {
        if (string.IsNullOrEmpty(caBundle) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) ||
            errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return errors == SslPolicyErrors.None;
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }
}
