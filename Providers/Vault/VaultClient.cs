using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Vault;

/// <summary>
/// The few calls of Vault's HTTP API a certificate issuer makes: <c>GET /v1/sys/health</c>, <c>POST
/// /v1/auth/&lt;mount&gt;/login</c> and <c>POST /v1/&lt;path&gt;</c> of a PKI sign endpoint. Every call but health
/// carries <c>X-Vault-Token</c>, every call <c>X-Vault-Namespace</c> when a namespace is set, and each is bounded by
/// <see cref="CallTimeout"/>. Failures are <see cref="VaultException"/>s carrying Vault's own error words.
/// </summary>
public sealed partial class VaultClient(HttpClient http, Uri server, string? vaultNamespace)
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(8);
    private const int AnswerLimit = 256 * 1024;

    /// <summary>
    /// Fails unless Vault is initialized and unsealed. As cert-manager, a standby (429), a DR secondary (472) and a
    /// performance standby (473) count as healthy.
    /// </summary>
    public async Task CheckHealthAsync(CancellationToken ct)
    {
        await SendAsync(HttpMethod.Get, "/v1/sys/health", token: null, body: null, ct, healthy: [429, 472, 473]);
    }

    /// <summary>Logs in at <paramref name="loginPath"/> (e.g. <c>/v1/auth/kubernetes/login</c>) with <paramref name="body"/>.</summary>
    public async Task<VaultToken> LoginAsync(string loginPath, JsonObject body, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, loginPath, token: null, body, ct);
        var auth = answer?["auth"] as JsonObject;
        var clientToken = auth?["client_token"]?.GetValue<string>();
        if (string.IsNullOrEmpty(clientToken))
            throw new VaultException($"error logging in to Vault server: POST {Url(loginPath)} answered without auth.client_token");
        var lease = auth!["lease_duration"] is JsonValue seconds && seconds.TryGetValue<long>(out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;
        return new VaultToken(clientToken, lease);
    }

    /// <summary>POSTs a sign request to <paramref name="path"/> (<c>pki/sign/role</c>, <c>pki/sign-verbatim</c>, ...).</summary>
    public async Task<VaultSignedCertificate> SignAsync(string token, string path, VaultSignParameters parameters, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["common_name"] = parameters.CommonName ?? "",
            ["alt_names"] = string.Join(',', parameters.DnsNames),
            ["ip_sans"] = string.Join(',', parameters.IpAddresses),
            ["uri_sans"] = string.Join(',', parameters.Uris),
            ["ttl"] = Pki.GoDuration.Format(parameters.Ttl),
            ["csr"] = parameters.CsrPem,
            ["exclude_cn_from_sans"] = "true",
        };
        var answer = await SendAsync(HttpMethod.Post, "/v1/" + path.TrimStart('/'), token, body, ct);
        var data = answer?["data"] as JsonObject;
        string? Text(string name) => data?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        var certificate = Text("certificate");
        if (string.IsNullOrEmpty(certificate))
            throw new VaultException($"failed to decode response returned by vault: POST {Url(path)} answered without data.certificate");
        var chain = data!["ca_chain"] is JsonArray entries
            ? entries.Select(e => e is JsonValue v && v.TryGetValue<string>(out var pem) ? pem : null).OfType<string>().ToList()
            : [];
        return new VaultSignedCertificate(certificate, Text("issuing_ca"), chain);
    }

    private string Url(string path) => new Uri(server, path.StartsWith('/') ? path : "/v1/" + path).ToString();

    private async Task<JsonObject?> SendAsync(HttpMethod method, string path, string? token, JsonObject? body, CancellationToken ct, int[]? healthy = null)
    {
        var url = new Uri(server, path);
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
            request.Headers.Add("X-Vault-Token", token);
        if (vaultNamespace is { Length: > 0 })
            request.Headers.Add("X-Vault-Namespace", vaultNamespace);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CallTimeout);
        string text;
        int status;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            text = await BoundedBody.ReadStringAsync(response, AnswerLimit, "Vault's answer", timeout.Token);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new VaultException($"{Verb(method)} \"{url}\": no answer within {CallTimeout.TotalSeconds:0} s", 0, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or ResponseBodyRefusedException or IOException)
        {
            throw new VaultException($"{Verb(method)} \"{url}\": {Flatten(ex)}", 0, ex);
        }
        if (status is >= 200 and < 300 || healthy?.Contains(status) == true)
            return Parse(text);
        // Vault's error shape: {"errors": ["..."]}, shown as Vault's Go client prints it.
        var errors = Parse(text)?["errors"] is JsonArray list
            ? list.Select(e => e is JsonValue v && v.TryGetValue<string>(out var m) ? Whitespace().Replace(m, " ").Trim() : null).OfType<string>().ToList()
            : [];
        var shown = errors.Count > 0 ? string.Join(" ", errors.Select(e => "* " + e)) : BoundedBody.Excerpt(text, 300);
        throw new VaultException($"Error making API request. URL: {method.Method} {url} Code: {status}. Errors: {shown}", status);
    }

    private static JsonObject? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Verb(HttpMethod method) => method.Method[..1] + method.Method[1..].ToLowerInvariant();

    /// <summary>An exception and its causes on one line ("connection refused (127.0.0.1:8200)").</summary>
    private static string Flatten(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
            if (!parts.Contains(e.Message))
                parts.Add(e.Message);
        return string.Join(": ", parts);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>What cert-manager sends Vault's PKI sign endpoint for one CSR.</summary>
public sealed record VaultSignParameters(
    string CsrPem, string? CommonName, IReadOnlyList<string> DnsNames, IReadOnlyList<string> IpAddresses, IReadOnlyList<string> Uris, TimeSpan Ttl);

/// <summary>Vault's answer to a sign request: the certificate, the CA that issued it and the chain above it.</summary>
public sealed record VaultSignedCertificate(string CertificatePem, string? IssuingCaPem, IReadOnlyList<string> CaChainPem);
