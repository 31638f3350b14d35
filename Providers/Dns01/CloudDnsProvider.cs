using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CertFleet.Providers.Http;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace CertFleet.Providers.Dns01;

/// <summary>cert-manager's <c>dns01.cloudDNS</c> with its credential built (see <see cref="CloudDnsCredentials"/>).</summary>
public sealed record CloudDnsSettings
{
    public const string DefaultBaseUrl = "https://dns.googleapis.com";

    public required string Project { get; init; }

    /// <summary>The managed zone's name (not its DNS name); found by listing the project's zones when null.</summary>
    public string? HostedZoneName { get; init; }

    /// <summary>Gives OAuth access tokens with the Cloud DNS read-write scope.</summary>
    public required ITokenAccess Credential { get; init; }

    /// <summary>API root (without /dns/v1); tests point it at a fake.</summary>
    public string BaseUrl { get; init; } = DefaultBaseUrl;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Google credentials for Cloud DNS as cert-manager makes them: a service account key, or the ambient ones.</summary>
public static class CloudDnsCredentials
{
    public const string Scope = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

    /// <summary>A service account key file (JSON) as a scoped credential; its token_uri is where tokens are asked for.</summary>
    /// <exception cref="ArgumentException">Not a service account key; the message names the field, never the key.</exception>
    public static GoogleCredential FromServiceAccountKey(string json, string field)
    {
        try
        {
            // Typed loading refuses every other credential type (external account, authorized user, ...), as Google
            // asks of keys taken from users.
            return CredentialFactory.FromJson<ServiceAccountCredential>(json).ToGoogleCredential().CreateScoped(Scope);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or Newtonsoft.Json.JsonException
                                      or System.Security.Cryptography.CryptographicException or NotSupportedException)
        {
            throw new ArgumentException($"{field}: the Secret's value is not a Google service account key (JSON with type \"service_account\", client_email and private_key): {First(e.Message)}; create a key for the service account and store the downloaded JSON", e);
        }
    }

    /// <summary>Application default credentials (GOOGLE_APPLICATION_CREDENTIALS, workload identity, the metadata server).</summary>
    public static async Task<GoogleCredential> AmbientAsync(CancellationToken ct)
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync(ct);
        return credential.IsCreateScopedRequired ? credential.CreateScoped(Scope) : credential;
    }

    private static string First(string message) => BoundedBody.Excerpt(message.Split('\n')[0], 200);
}

/// <summary>
/// A Google credential made on first use: ambient ones may ask the metadata server, which then happens within the time
/// limit of the call that needs a token. A failed lookup is tried again by the next call. Tokens are the credential's
/// own cache (refreshed shortly before they expire).
/// </summary>
public sealed class GoogleTokenAccess(Func<CancellationToken, Task<GoogleCredential>> resolve) : ITokenAccess
{
    private Task<GoogleCredential>? _credential;

    public async Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default)
    {
        var pending = _credential ??= resolve(CancellationToken.None);
        GoogleCredential credential;
        try
        {
            credential = await pending.WaitAsync(cancellationToken);
        }
        catch (Exception) when (pending.IsFaulted || pending.IsCanceled)
        {
            _ = Interlocked.CompareExchange(ref _credential, null, pending);
            throw;
        }
        return await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(authUri, cancellationToken);
    }
}

/// <summary>
/// Google Cloud DNS through its v1 REST API. Like cert-manager it reads the TXT record set, and submits one change that
/// deletes the set as read and adds it with only its own value added or removed; Cloud DNS refuses the change when the
/// set changed since (412/409), and the read and change are then done again.
/// </summary>
public sealed class CloudDnsProvider : IDns01Provider
{
    private const string Provider = "clouddns";
    private const int Ttl = 60;
    private const int MaxAttempts = 5;

    private readonly CloudDnsSettings _settings;
    private readonly Dns01ApiCalls _calls;
    private readonly string _projectUrl;

    /// <exception cref="ArgumentException">No project, or a base URL that is not absolute.</exception>
    public CloudDnsProvider(CloudDnsSettings settings, HttpClient http)
    {
        if (string.IsNullOrWhiteSpace(settings.Project))
            throw new ArgumentException("spec.acme.solvers[].dns01.cloudDNS.project: Required value; set the Google Cloud project that holds the zone");
        if (!Uri.TryCreate(settings.BaseUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"Cloud DNS API URL \"{settings.BaseUrl}\" is not an absolute URL");
        _settings = settings;
        _projectUrl = $"{settings.BaseUrl.TrimEnd('/')}/dns/v1/projects/{Uri.EscapeDataString(settings.Project)}";
        _calls = new Dns01ApiCalls(http, Provider, settings.Timeout);
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("add", fqdn, value, add: true, ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("remove", fqdn, value, add: false, ct);

    private Task UpdateAsync(string verb, string fqdn, string value, bool add, CancellationToken ct)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant() + ".";
        var what = $"{verb} TXT \"{value}\" at {name}";
        return _calls.RunAsync(what, async token =>
        {
            var accessToken = await AccessTokenAsync(token);
            var zone = _settings.HostedZoneName is { Length: > 0 } configured ? configured : await FindZoneAsync(name, accessToken, token);
            var zoneUrl = $"{_projectUrl}/managedZones/{Uri.EscapeDataString(zone)}";
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var read = await SendAsync(HttpMethod.Get, $"{zoneUrl}/rrsets?name={Uri.EscapeDataString(name)}&type=TXT", null, accessToken, token);
                if (!read.IsSuccess)
                    throw Failure($"{what}: list TXT record sets in zone {zone}", read);
                var current = read.Json()?["rrsets"]?.AsArray().OfType<JsonObject>()
                    .FirstOrDefault(r => r["type"]?.GetValue<string>() == "TXT" && string.Equals(r["name"]?.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase));
                var rrdatas = current?["rrdatas"]?.AsArray().Select(r => r?.GetValue<string>() ?? "").ToList() ?? [];
                var present = rrdatas.Any(r => Unquoted(r) == value);
                if (present == add)
                    return;
                if (add)
                    rrdatas.Add($"\"{value}\"");
                else
                    rrdatas.RemoveAll(r => Unquoted(r) == value);

                var change = new JsonObject();
                if (current is not null)
                    change["deletions"] = new JsonArray(current.DeepClone());
                if (rrdatas.Count > 0)
                    change["additions"] = new JsonArray(new JsonObject
                    {
                        ["name"] = name, ["type"] = "TXT", ["ttl"] = Ttl,
                        ["rrdatas"] = new JsonArray([.. rrdatas.Select(r => (JsonNode)JsonValue.Create(r))]),
                    });
                var write = await SendAsync(HttpMethod.Post, $"{zoneUrl}/changes", change, accessToken, token);
                if (write.IsSuccess)
                    return;
                // The set changed since our read (the apex and wildcard share it): read it again and redo our one change.
                if (write.Status is not (HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict))
                    throw Failure($"{what} in zone {zone}", write);
            }
            throw new Dns01ProviderException($"{Provider}: {what}: the record set kept changing under us ({MaxAttempts} conflicts)");
        }, ct);
    }

    private async Task<string> AccessTokenAsync(CancellationToken ct)
    {
        try
        {
            return await _settings.Credential.GetAccessTokenForRequestAsync(null, ct);
        }
        catch (TokenResponseException e)
        {
            var error = e.Error is { Error.Length: > 0 } answer ? $"{answer.Error}: {answer.ErrorDescription}" : e.Message;
            throw new Dns01ProviderException($"{Provider}: getting an OAuth token for the service account failed (HTTP {(int?)e.StatusCode}): {BoundedBody.Excerpt(error, Dns01ApiCalls.MaxShownErrorChars)}", e);
        }
        catch (InvalidOperationException e)
        {
            // Google.Apis.Auth's message for ambient credentials it could not find or use.
            throw new Dns01ProviderException($"{Provider}: no Google credentials: {BoundedBody.Excerpt(e.Message, Dns01ApiCalls.MaxShownErrorChars)}; set cloudDNS.serviceAccountSecretRef", e);
        }
    }

    /// <summary>
    /// The managed zone for the name: the project's zones whose DNS name is the name or a parent, the longest first,
    /// a public zone before a private one (ACME servers see only public DNS).
    /// </summary>
    private async Task<string> FindZoneAsync(string name, string accessToken, CancellationToken ct)
    {
        foreach (var candidate in Dns01ApiCalls.ZoneCandidates(name))
        {
            var answer = await SendAsync(HttpMethod.Get, $"{_projectUrl}/managedZones?dnsName={Uri.EscapeDataString(candidate + ".")}", null, accessToken, ct);
            if (!answer.IsSuccess)
                throw Failure($"list managed zones named {candidate}.", answer);
            var zones = answer.Json()?["managedZones"]?.AsArray().OfType<JsonObject>()
                .Where(z => string.Equals(z["dnsName"]?.GetValue<string>(), candidate + ".", StringComparison.OrdinalIgnoreCase))
                .OrderBy(z => z["visibility"]?.GetValue<string>() == "private")
                .ToList() ?? [];
            if (zones.FirstOrDefault()?["name"]?.GetValue<string>() is { Length: > 0 } zone)
                return zone;
        }
        throw new Dns01ProviderException($"{Provider}: no managed zone of project \"{_settings.Project}\" contains {name}; create it, or name it in cloudDNS.hostedZoneName");
    }

    private async Task<Dns01ApiAnswer> SendAsync(HttpMethod method, string url, JsonObject? body, string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Dns01ApiCalls.JsonBody(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await _calls.SendAsync(request, ct);
    }

    /// <summary>Google's errors are {"error": {"code", "message", "errors": [{"reason"}]}}.</summary>
    private Dns01ProviderException Failure(string what, Dns01ApiAnswer answer)
    {
        var error = answer.Json()?["error"];
        var message = error?["message"] is JsonValue m && m.TryGetValue<string>(out var text) ? text : null;
        var reason = error?["errors"]?[0]?["reason"] is JsonValue r && r.TryGetValue<string>(out var why) ? why : null;
        return _calls.Failure(what, answer, reason is null ? message : $"{reason}: {message}");
    }

    private static string Unquoted(string rrdata) => rrdata.Trim('"');
}
