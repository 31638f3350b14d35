using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CertFleet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// The two token endpoints Azure DNS credentials use, on loopback. Entra ID's v2.0 token endpoint over https (MSAL
/// refuses http authorities) for workload identity: a client-credentials grant with the federated token as a JWT-bearer
/// client assertion. The instance metadata service (IMDS) over http for managed identity: a GET with "Metadata: true".
/// Both check what the vendors document and answer with <see cref="AzureArmFakeServer.Token"/>; anything else is
/// answered with the vendor's error shape and kept in <see cref="Problems"/>.
/// </summary>
public sealed class AzureIdentityFakeServer : IAsyncDisposable
{
    public const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string ClientId = "0b8c5c1e-7e57-4d0a-a7a1-3c0ffee00001";
    public const string ArmScope = "https://management.azure.com/.default";
    public const string ArmResource = "https://management.azure.com";

    private readonly WebApplication _app;

    private AzureIdentityFakeServer(WebApplication app, X509Certificate2 certificate) => (_app, Certificate) = (app, certificate);

    public X509Certificate2 Certificate { get; }

    /// <summary>https://127.0.0.1:port/ — the authority host; tokens are at /{tenant}/oauth2/v2.0/token.</summary>
    public Uri AuthorityHost { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port — IMDS, at /metadata/identity/oauth2/token.</summary>
    public Uri ImdsHost { get; private set; } = null!;

    /// <summary>The client assertion the Entra endpoint accepts: the content of the federated token file.</summary>
    public string? ExpectedAssertion { get; set; }

    /// <summary>What the IMDS request must name (client_id=…, msi_res_id=…), or null for the system-assigned identity.</summary>
    public (string Parameter, string Value)? ExpectedManagedIdentity { get; set; }

    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<string> Problems { get; } = new();

    public static async Task<AzureIdentityFakeServer> StartAsync()
    {
        var certificate = LoopbackCertificate.Create();
        var app = LoopbackWebServer.Build(certificate, plainHttpToo: true);
        var server = new AzureIdentityFakeServer(app, certificate);
        app.Run(server.HandleAsync);
        var addresses = await app.StartListeningAsync();
        server.AuthorityHost = new Uri(addresses.Single(a => a.Scheme == "https").GetLeftPart(UriPartial.Authority) + "/");
        server.ImdsHost = new Uri(addresses.Single(a => a.Scheme == "http").GetLeftPart(UriPartial.Authority));
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Scheme}://{request.Host}{request.Path}{request.QueryString}");
        if (request.IsHttps && request.Method == "POST" && request.Path.Value == $"/{TenantId}/oauth2/v2.0/token")
            await EntraTokenAsync(context);
        else if (!request.IsHttps && request.Method == "GET" && request.Path.Value == "/metadata/identity/oauth2/token")
            await ImdsTokenAsync(context);
        else
            await EntraErrorAsync(context, HttpStatusCode.NotFound, "invalid_request", $"AADSTS90002: no endpoint {request.Method} {request.Path}", problem: true);
    }

    private async Task EntraTokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await EntraErrorAsync(context, HttpStatusCode.BadRequest, "invalid_request", $"AADSTS900144: content type {context.Request.ContentType}", problem: true);
            return;
        }
        var form = await context.Request.ReadFormAsync();
        string? Problem(string name, string expected) => form[name] == expected ? null : $"{name}={form[name]} (expected {expected})";
        var problem = Problem("grant_type", "client_credentials")
            ?? Problem("client_id", ClientId)
            ?? Problem("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            ?? (form["scope"].ToString().Split(' ').Contains(ArmScope) ? null : $"scope={form["scope"]} (expected {ArmScope})")
            ?? (form.ContainsKey("client_secret") ? "client_secret sent alongside an assertion" : null);
        if (problem is not null)
        {
            await EntraErrorAsync(context, HttpStatusCode.BadRequest, "invalid_request", "AADSTS900144: " + problem, problem: true);
            return;
        }
        // Entra's answer to an assertion its federation does not trust.
        if (form["client_assertion"] != ExpectedAssertion)
        {
            await EntraErrorAsync(context, HttpStatusCode.BadRequest, "invalid_client", "AADSTS700213: No matching federated identity record found for presented assertion subject", problem: false);
            return;
        }
        await JsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3599,
            ["ext_expires_in"] = 3599,
            ["access_token"] = AzureArmFakeServer.Token,
        });
    }

    private async Task ImdsTokenAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var identityParameters = new[] { "client_id", "object_id", "msi_res_id", "mi_res_id" }.Where(query.ContainsKey).ToList();
        var identityProblem = ExpectedManagedIdentity is { } expected
            ? identityParameters.Count == 1 && query[expected.Parameter] == expected.Value ? null : $"identity {context.Request.QueryString} (expected {expected.Parameter}={expected.Value})"
            : identityParameters.Count == 0 ? null : $"system-assigned identity expected, got {string.Join(",", identityParameters)}";
        var problem = context.Request.Headers["Metadata"] != "true" ? "Metadata header missing"
            : query["api-version"].Count != 1 ? "api-version missing"
            : query["resource"].ToString().TrimEnd('/') != ArmResource ? $"resource={query["resource"]} (expected {ArmResource})"
            : identityProblem;
        if (problem is not null)
        {
            Problems.Enqueue(problem);
            await JsonAsync(context, HttpStatusCode.BadRequest, new JsonObject { ["error"] = "invalid_request", ["error_description"] = problem });
            return;
        }
        var expiresOn = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        await JsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["access_token"] = AzureArmFakeServer.Token,
            ["client_id"] = ExpectedManagedIdentity?.Value ?? "system-assigned",
            ["expires_in"] = "3599",
            ["expires_on"] = expiresOn,
            ["ext_expires_in"] = "3599",
            ["not_before"] = expiresOn,
            ["resource"] = ArmResource + "/",
            ["token_type"] = "Bearer",
        });
    }

    private Task EntraErrorAsync(HttpContext context, HttpStatusCode status, string error, string description, bool problem)
    {
        if (problem)
            Problems.Enqueue(description);
        return JsonAsync(context, status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = description,
            ["error_codes"] = new JsonArray(int.Parse(description[6..description.IndexOf(':')], CultureInfo.InvariantCulture)),
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["trace_id"] = Guid.NewGuid().ToString(),
            ["correlation_id"] = Guid.NewGuid().ToString(),
        });
    }

    private static async Task JsonAsync(HttpContext context, HttpStatusCode status, JsonNode body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
