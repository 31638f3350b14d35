using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// The Azure DNS record-set part of Resource Manager on loopback HTTPS (bearer tokens are refused over http): checks
/// method, path, api-version, bearer token, If-Match/If-None-Match and the body's casing; keeps ETags and answers 412.
/// What it finds wrong is answered with an ARM error and kept in <see cref="Problems"/>.
/// </summary>
public sealed class AzureArmFakeServer : IAsyncDisposable
{
    public const string Token = "fake-arm-token";
    public const string Subscription = "00000000-1111-2222-3333-444444444444";
    public const string ResourceGroup = "dns-rg";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;

    private AzureArmFakeServer(WebApplication app, X509Certificate2 certificate) => (_app, _certificate) = (app, certificate);

    public Uri Endpoint { get; private set; } = null!;

    public X509Certificate2 Certificate => _certificate;

    /// <summary>An HttpClient that trusts exactly this server's self-signed certificate.</summary>
    public HttpClient CreateClient() => LoopbackCertificate.TrustingClient(_certificate);

    /// <summary>"{dnsZones|privateDnsZones}/{zone}/{relative}" → TXT values (chunks joined) and ETag.</summary>
    public ConcurrentDictionary<string, (List<string> Values, string ETag)> RecordSets { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<string> Problems { get; } = new();
    public JsonNode? LastWrittenBody { get; private set; }

    /// <summary>Before the next write, another writer adds this value (new ETag), so the write's If-Match fails.</summary>
    public string? ConcurrentWriterValue { get; set; }

    /// <summary>The next request is answered with this ARM error.</summary>
    public (HttpStatusCode Status, string Code, string Message)? FailNext { get; set; }

    public static async Task<AzureArmFakeServer> StartAsync()
    {
        var certificate = LoopbackCertificate.Create();
        var app = LoopbackWebServer.Build(certificate);
        var server = new AzureArmFakeServer(app, certificate);
        app.Run(server.HandleAsync);
        server.Endpoint = (await app.StartListeningAsync())[0];
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString} If-Match={request.Headers.IfMatch} If-None-Match={request.Headers.IfNoneMatch}");
        if (FailNext is { } failure)
        {
            FailNext = null;
            await ErrorAsync(context, failure.Status, failure.Code, failure.Message);
            return;
        }
        if (request.Headers.Authorization != "Bearer " + Token)
        {
            await ProblemAsync(context, HttpStatusCode.Unauthorized, "AuthenticationFailed", $"Authorization '{request.Headers.Authorization}'");
            return;
        }

        var prefix = $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Network/";
        var path = request.Path.Value ?? "";
        var segments = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..].Split('/') : [];
        if (segments.Length != 4 || segments[2] != "TXT" || segments[0] is not ("dnsZones" or "privateDnsZones"))
        {
            await ProblemAsync(context, HttpStatusCode.BadRequest, "InvalidResourceId", $"path {path}");
            return;
        }
        var isPrivate = segments[0] == "privateDnsZones";
        var expectedApiVersion = isPrivate ? "2020-06-01" : "2018-05-01";
        if (request.Query["api-version"] != expectedApiVersion)
        {
            await ProblemAsync(context, HttpStatusCode.BadRequest, "InvalidApiVersionParameter", $"api-version {request.Query["api-version"]}");
            return;
        }
        var (zone, relative) = (segments[1], segments[3]);
        var id = $"{segments[0]}/{zone}/{relative}";

        if (request.Method == "GET")
        {
            if (RecordSets.TryGetValue(id, out var found))
                await RecordSetAsync(context, HttpStatusCode.OK, isPrivate, zone, relative, found);
            else
                await ErrorAsync(context, HttpStatusCode.NotFound, "NotFound", $"The resource record '{relative}' does not exist in resource group '{ResourceGroup}'.");
            return;
        }

        if (request.Method is not ("PUT" or "DELETE"))
        {
            await ProblemAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", request.Method);
            return;
        }
        string ifMatch = request.Headers.IfMatch.ToString(), ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifMatch.Length == 0 && ifNoneMatch != "*")
        {
            await ProblemAsync(context, HttpStatusCode.BadRequest, "MissingPrecondition", "writes must carry If-Match or If-None-Match: *");
            return;
        }
        if (ConcurrentWriterValue is { } other)
        {
            ConcurrentWriterValue = null;
            var values = RecordSets.TryGetValue(id, out var before) ? [.. before.Values, other] : new List<string> { other };
            RecordSets[id] = (values, NewETag());
        }
        var exists = RecordSets.TryGetValue(id, out var current);
        if ((ifMatch.Length > 0 && (!exists || current.ETag != ifMatch)) || (ifNoneMatch == "*" && exists))
        {
            await ErrorAsync(context, HttpStatusCode.PreconditionFailed, "PreconditionFailed", "The condition specified using HTTP conditional header(s) is not met.");
            return;
        }

        if (request.Method == "DELETE")
        {
            RecordSets.TryRemove(id, out _);
            context.Response.StatusCode = 200;
            return;
        }

        var body = await JsonNode.ParseAsync(request.Body);
        LastWrittenBody = body;
        var (ttlName, recordsName, wrongTtl, wrongRecords) = isPrivate ? ("ttl", "txtRecords", "TTL", "TXTRecords") : ("TTL", "TXTRecords", "ttl", "txtRecords");
        var properties = body?["properties"]?.AsObject();
        // System.Text.Json objects are case-sensitive, so a wrongly cased property is found under its own spelling only.
        if (properties is null || !properties.ContainsKey(ttlName) || !properties.ContainsKey(recordsName)
            || properties.ContainsKey(wrongTtl) || properties.ContainsKey(wrongRecords) || request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            await ProblemAsync(context, HttpStatusCode.BadRequest, "InvalidRequestFormat", $"body {body?.ToJsonString()}");
            return;
        }
        var written = properties[recordsName]!.AsArray().Select(r => string.Concat(r!["value"]!.AsArray().Select(v => v!.GetValue<string>()))).ToList();
        var stored = (written, NewETag());
        RecordSets[id] = stored;
        await RecordSetAsync(context, exists ? HttpStatusCode.OK : HttpStatusCode.Created, isPrivate, zone, relative, stored);
    }

    private static Task RecordSetAsync(HttpContext context, HttpStatusCode status, bool isPrivate, string zone, string relative, (List<string> Values, string ETag) set)
    {
        var records = new JsonArray(set.Values.Select(v => (JsonNode)new JsonObject { ["value"] = new JsonArray(v) }).ToArray());
        var properties = isPrivate
            ? new JsonObject { ["ttl"] = 60, ["fqdn"] = $"{relative}.{zone}.", ["txtRecords"] = records }
            : new JsonObject { ["TTL"] = 60, ["fqdn"] = $"{relative}.{zone}.", ["TXTRecords"] = records };
        var type = isPrivate ? "Microsoft.Network/privateDnsZones/TXT" : "Microsoft.Network/dnszones/TXT";
        context.Response.Headers.ETag = set.ETag;
        return JsonAsync(context, status, new JsonObject
        {
            ["id"] = context.Request.Path.Value, ["name"] = relative, ["type"] = type, ["etag"] = set.ETag, ["properties"] = properties,
        });
    }

    private Task ProblemAsync(HttpContext context, HttpStatusCode status, string code, string message)
    {
        Problems.Enqueue($"{code}: {message}");
        return ErrorAsync(context, status, code, message);
    }

    private static Task ErrorAsync(HttpContext context, HttpStatusCode status, string code, string message) =>
        JsonAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static async Task JsonAsync(HttpContext context, HttpStatusCode status, JsonNode body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static string NewETag() => Guid.NewGuid().ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}

/// <summary>Hands the pipeline a fixed token, standing in for an Entra ID credential.</summary>
public sealed class AzureFixedTokenCredential : TokenCredential
{
    public string[] RequestedScopes { get; private set; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        RequestedScopes = requestContext.Scopes;
        return new(AzureArmFakeServer.Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
