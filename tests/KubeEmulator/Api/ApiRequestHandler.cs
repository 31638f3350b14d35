using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CertFleet.KubeEmulator.Audit;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// The one request delegate: an injected outage, bearer-token authentication, injected latency, then discovery, OpenAPI,
/// the admin endpoints, a group version an APIService hands to its Service, or a resource. Every failure becomes a Status body; nothing a client sends can crash the server.
/// A second token, when configured, is the audited client's: its requests are served alike and recorded.
/// </summary>
internal sealed class ApiRequestHandler(
    byte[] token,
    (byte[] Token, AuditedClient Client)? audited,
    ResourceEndpoint resources,
    DiscoveryDocuments discovery,
    OpenApiDocuments openApi,
    AggregatedApis aggregated,
    AdminEndpoints admin,
    FaultInjector faults,
    EmulatorStats stats,
    bool logRequests,
    CancellationToken serverStopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        stats.CountRequest();
        var started = Stopwatch.GetTimestamp();
        if (faults.IsUnreachable && !(context.Request.Path.Value ?? "").StartsWith("/emulator/", StringComparison.Ordinal))
        {
            // An injected outage: no answer at all, the connection (an HTTP/2 stream) is reset.
            stats.CountFault();
            context.Abort();
            return;
        }
        var auditedClient = audited is { } a && Presents(context.Request, a.Token) ? a.Client : null;
        try
        {
            if (auditedClient is null && !Presents(context.Request, token))
            {
                throw ApiError.Unauthorized();
            }
            // RBAC decides before anything else happens, so even a request that fails later counts.
            auditedClient?.Begin(context);
            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, context.RequestAborted);
            }
            await DispatchAsync(context, auditedClient?.User ?? AdminUser);
        }
        catch (ApiError error)
        {
            await ResponseWriter.WriteErrorAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || serverStopping.IsCancellationRequested)
        {
            // The client left or the emulator is stopping; there is nobody to answer.
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            await ResponseWriter.WriteErrorAsync(context, ApiError.BadRequest(e.Message));
        }
        catch (Exception e)
        {
            // A bug in the emulator: answer like the apiserver answers its own failures, and keep serving.
            await ResponseWriter.WriteErrorAsync(context, ApiError.Internal(e.Message));
        }
        finally
        {
            auditedClient?.End(context);
            if (logRequests)
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Console.Error.WriteLine($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {context.Response.StatusCode} {elapsed:F1}ms");
            }
        }
    }

    /// <summary>Who the main token's requests come from, as the aggregation layer tells a backend.</summary>
    private const string AdminUser = "kubernetes-admin";

    private Task DispatchAsync(HttpContext context, string user)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (path.StartsWith("/emulator/", StringComparison.Ordinal))
        {
            return admin.HandleAsync(context, path.TrimEnd('/'));
        }
        switch (segments)
        {
            case ["version"]:
                return ResponseWriter.WriteAsync(context, 200, VersionInfo.Document());
            case ["healthz" or "livez" or "readyz"]:
                return ResponseWriter.WriteAsync(context, 200, "ok"u8.ToArray(), "text/plain; charset=utf-8");
            case ["openapi", "v2"]:
                // An empty OpenAPI v2 document: kubectl then skips client-side validation of kinds it cannot find
                // (and reports unknown kinds as a real server lets it), while /openapi/v3 carries what it needs.
                return ResponseWriter.WriteAsync(context, 200, [], "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
            case ["openapi", "v3"]:
                return ResponseWriter.WriteAsync(context, 200, openApi.Root());
            case ["apis", "authentication.k8s.io", "v1", "tokenreviews"]:
                return resources.ReviewTokenAsync(context);
            case ["openapi", "v3", .. var rest]:
                var document = openApi.GroupVersion(string.Join('/', rest)) ?? throw ApiError.NoSuchPath();
                return ResponseWriter.WriteAsync(context, 200, document);
        }
        if (segments is ["apis", var group, var version, ..] && aggregated.Find(group, version) is { } apiService)
        {
            return aggregated.ProxyAsync(context, apiService, user);
        }
        if (context.Request.Method == "GET" && discovery.Find(segments) is { } discovered)
        {
            return ResponseWriter.WriteAsync(context, 200, discovered);
        }
        var resource = ResourcePath.Parse(segments) ?? throw ApiError.NoSuchPath();
        return resources.HandleAsync(context, resource, serverStopping);
    }

    private static bool Presents(HttpRequest request, byte[] token)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, token);
    }
}
