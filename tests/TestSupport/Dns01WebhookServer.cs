using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// A cert-manager DNS-01 webhook solver as its authors write one (an aggregated API of group <see cref="GroupName"/>
/// serving <c>ChallengePayload</c> at /apis/&lt;group&gt;/v1alpha1/&lt;solver&gt;), on loopback over HTTPS for the
/// name &lt;service&gt;.&lt;namespace&gt;.svc. Present and CleanUp change the TXT values it publishes through
/// <see cref="RecordsChanged"/>; a solver config <c>{"failWith": "..."}</c> makes it answer that failure instead.
/// Requests that are not cert-manager's shape are answered 400 and kept in <see cref="Violations"/>.
/// </summary>
public sealed class Dns01WebhookServer : IAsyncDisposable
{
    public const string GroupName = "acme.webhook.certfleet.test";
    public const string SolverName = "challtestsrv";
    public const string Version = "v1alpha1";

    private static readonly HashSet<string> RequestFields =
        ["uid", "action", "type", "dnsName", "key", "resourceNamespace", "resolvedFQDN", "resolvedZone", "allowAmbientCredentials", "config"];

    private readonly WebApplication _app;
    private readonly Dictionary<string, HashSet<string>> _records = [];
    private readonly SemaphoreSlim _publishing = new(1, 1);

    private Dns01WebhookServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    /// <summary>The serving certificate (self-signed): its PEM is the APIService's caBundle.</summary>
    public X509Certificate2 Certificate { get; }

    public int Port { get; private set; }

    /// <summary>Called with a record name (no trailing dot) and all its values after each change.</summary>
    public Func<string, IReadOnlyList<string>, Task>? RecordsChanged { get; set; }

    /// <summary>Every ChallengeRequest received, in order, with the headers the aggregation layer added.</summary>
    public ConcurrentQueue<(JsonObject Request, string? RemoteUser)> Requests { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Starts the webhook; its certificate names Service <paramref name="service"/> in <paramref name="ns"/>.</summary>
    public static async Task<Dns01WebhookServer> StartAsync(string service, string ns)
    {
        var certificate = SelfSigned($"{service}.{ns}.svc");
        var app = LoopbackWebServer.Build(certificate);
        var server = new Dns01WebhookServer(app, certificate);
        app.MapGet($"/apis/{GroupName}/{Version}", () => Results.Json(new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = $"{GroupName}/{Version}",
            ["resources"] = new JsonArray(new JsonObject
            {
                ["name"] = SolverName, ["singularName"] = SolverName, ["namespaced"] = false, ["kind"] = "ChallengePayload",
                ["verbs"] = new JsonArray("create"),
            }),
        }));
        app.MapPost($"/apis/{GroupName}/{Version}/{{solver}}", server.HandleAsync);
        server.Port = (await app.StartListeningAsync())[0].Port;
        return server;
    }

    private async Task<IResult> HandleAsync(string solver, HttpContext context)
    {
        JsonObject? payload;
        try
        {
            payload = await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body);
        }
        catch (JsonException ex)
        {
            return Refuse($"body is not JSON: {ex.Message}");
        }
        if (solver != SolverName)
            return Results.Json(Status(404, "NotFound", $"the server could not find the requested resource ({solver})"), statusCode: 404);
        if (payload?["apiVersion"]?.GetValue<string>() != "acme.cert-manager.io/v1alpha1" || payload["kind"]?.GetValue<string>() != "ChallengePayload")
            return Refuse($"expected apiVersion acme.cert-manager.io/v1alpha1 kind ChallengePayload, got {payload?.ToJsonString()}");
        if (payload["request"] is not JsonObject request)
            return Refuse("payload request field cannot be empty");
        var unknown = request.Select(p => p.Key).Where(k => !RequestFields.Contains(k)).ToList();
        if (unknown.Count > 0)
            return Refuse($"unknown request fields {string.Join(", ", unknown)}");
        string Text(string field) => request[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
        foreach (var required in new[] { "uid", "action", "dnsName", "key", "resourceNamespace", "resolvedFQDN", "resolvedZone" })
            if (Text(required).Length == 0)
                return Refuse($"request.{required} is missing");
        if (Text("type") != "dns-01")
            return Refuse($"request.type is \"{Text("type")}\", not dns-01");
        var fqdn = Text("resolvedFQDN");
        if (!fqdn.EndsWith('.') || !Text("resolvedZone").EndsWith('.') || !fqdn.EndsWith("." + Text("resolvedZone"), StringComparison.Ordinal))
            return Refuse($"resolvedFQDN \"{fqdn}\" is not a fully qualified name inside resolvedZone \"{Text("resolvedZone")}\"");
        Requests.Enqueue(((JsonObject)request.DeepClone(), context.Request.Headers["X-Remote-User"].FirstOrDefault()));

        var failWith = request["config"] is JsonObject config && config["failWith"] is JsonValue fail ? fail.GetValue<string>() : null;
        var response = new JsonObject { ["uid"] = Text("uid") };
        if (failWith is not null)
        {
            response["success"] = false;
            response["status"] = Status(0, "", failWith);
        }
        else
        {
            switch (Text("action"))
            {
                case "Present": await ChangeAsync(fqdn, Text("key"), add: true); break;
                case "CleanUp": await ChangeAsync(fqdn, Text("key"), add: false); break;
                default: return Refuse($"unknown action type \"{Text("action")}\"");
            }
            response["success"] = true;
        }
        payload["response"] = response;
        return Results.Json(payload, statusCode: 201);
    }

    private async Task ChangeAsync(string fqdn, string value, bool add)
    {
        var name = fqdn.TrimEnd('.');
        await _publishing.WaitAsync();
        try
        {
            if (!_records.TryGetValue(name, out var values))
                _records[name] = values = [];
            var changed = add ? values.Add(value) : values.Remove(value);
            if (changed && RecordsChanged is { } publish)
                await publish(name, [.. values]);
        }
        finally
        {
            _publishing.Release();
        }
    }

    private IResult Refuse(string why)
    {
        Violations.Enqueue(why);
        return Results.Json(Status(400, "BadRequest", why), statusCode: 400);
    }

    private static JsonObject Status(int code, string reason, string message)
    {
        var status = new JsonObject { ["status"] = "Failure", ["message"] = message };
        if (code != 0)
        {
            status["kind"] = "Status";
            status["apiVersion"] = "v1";
            status["reason"] = reason;
            status["code"] = code;
        }
        return status;
    }

    private static X509Certificate2 SelfSigned(string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(2));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Certificate.Dispose();
        _publishing.Dispose();
    }
}
