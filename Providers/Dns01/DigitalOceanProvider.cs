using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace CertFleet.Providers.Dns01;

/// <summary>cert-manager's <c>dns01.digitalocean</c> with its token resolved.</summary>
public sealed record DigitalOceanSettings
{
    public const string DefaultBaseUrl = "https://api.digitalocean.com";

    public required string Token { get; init; }

    /// <summary>API root (without /v2); tests point it at a fake.</summary>
    public string BaseUrl { get; init; } = DefaultBaseUrl;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// DigitalOcean's v2 domains API: the domain is the longest parent of the name the account has, each value is its own
/// TXT record, so apex and wildcard values coexist and clean-up deletes only the record holding its value.
/// </summary>
public sealed class DigitalOceanProvider : IDns01Provider
{
    private const string Provider = "digitalocean";
    private const int Ttl = 60;

    private readonly DigitalOceanSettings _settings;
    private readonly Dns01ApiCalls _calls;
    private readonly string _baseUrl;

    /// <exception cref="ArgumentException">No token, or a base URL that is not absolute.</exception>
    public DigitalOceanProvider(DigitalOceanSettings settings, HttpClient http)
    {
        if (string.IsNullOrWhiteSpace(settings.Token))
            throw new ArgumentException("spec.acme.solvers[].dns01.digitalocean.tokenSecretRef: the Secret's token is empty; put a DigitalOcean API token with write access to the domain in it");
        if (!Uri.TryCreate(settings.BaseUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"DigitalOcean API URL \"{settings.BaseUrl}\" is not an absolute URL");
        _settings = settings;
        _baseUrl = settings.BaseUrl.TrimEnd('/') + "/v2";
        _calls = new Dns01ApiCalls(http, Provider, settings.Timeout);
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        return _calls.RunAsync($"create TXT \"{value}\" at {name}", async token =>
        {
            var domain = await DomainAsync(name, token);
            if (await FindAsync(domain, name, value, token) is not null)
                return;
            var body = new JsonObject { ["type"] = "TXT", ["name"] = Relative(name, domain), ["data"] = value, ["ttl"] = Ttl };
            var answer = await SendAsync(HttpMethod.Post, $"/domains/{Uri.EscapeDataString(domain)}/records", Dns01ApiCalls.JsonBody(body), token);
            if (!answer.IsSuccess)
                throw Failure($"create TXT \"{value}\" at {name} in domain {domain}", answer);
        }, ct);
    }

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        return _calls.RunAsync($"delete TXT \"{value}\" at {name}", async token =>
        {
            var domain = await DomainAsync(name, token);
            if (await FindAsync(domain, name, value, token) is not { } id)
                return;
            var answer = await SendAsync(HttpMethod.Delete, $"/domains/{Uri.EscapeDataString(domain)}/records/{id}", null, token);
            // Gone already is cleaned up.
            if (!answer.IsSuccess && answer.Status != HttpStatusCode.NotFound)
                throw Failure($"delete TXT \"{value}\" at {name} in domain {domain}", answer);
        }, ct);
    }

    /// <summary>The account's domain holding <paramref name="name"/>: the name itself or its longest parent.</summary>
    private async Task<string> DomainAsync(string name, CancellationToken ct)
    {
        foreach (var candidate in Dns01ApiCalls.ZoneCandidates(name))
        {
            var answer = await SendAsync(HttpMethod.Get, $"/domains/{Uri.EscapeDataString(candidate)}", null, ct);
            if (answer.Status == HttpStatusCode.NotFound)
                continue;
            if (!answer.IsSuccess)
                throw Failure($"look up domain {candidate}", answer);
            return candidate;
        }
        throw new Dns01ProviderException($"{Provider}: no domain of this account contains {name}; add the domain in DigitalOcean or use a token of the account that has it");
    }

    /// <summary>The id of the TXT record at <paramref name="name"/> holding <paramref name="value"/>, if any.</summary>
    private async Task<long?> FindAsync(string domain, string name, string value, CancellationToken ct)
    {
        // The name filter takes the fully qualified name; 200 is the largest page.
        var answer = await SendAsync(HttpMethod.Get,
            $"/domains/{Uri.EscapeDataString(domain)}/records?type=TXT&name={Uri.EscapeDataString(name)}&per_page=200", null, ct);
        if (!answer.IsSuccess)
            throw Failure($"list TXT records at {name}", answer);
        var records = answer.Json()?["domain_records"]?.AsArray()
                      ?? throw new Dns01ProviderException($"{Provider}: list TXT records at {name}: the answer has no domain_records");
        return records.FirstOrDefault(r => r?["data"]?.GetValue<string>().Trim('"') == value)?["id"]?.GetValue<long>();
    }

    private Task<Dns01ApiAnswer> SendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, _baseUrl + path) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _settings.Token.Trim());
        return SendDisposingAsync(request, ct);
    }

    private async Task<Dns01ApiAnswer> SendDisposingAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
            return await _calls.SendAsync(request, ct);
    }

    /// <summary>DigitalOcean's errors are {"id": "...", "message": "..."}.</summary>
    private Dns01ProviderException Failure(string what, Dns01ApiAnswer answer)
    {
        var json = answer.Json();
        var message = json?["message"]?.GetValue<string>() is { } text ? $"{json["id"]?.GetValue<string>()}: {text}" : null;
        if (answer.Status == HttpStatusCode.Unauthorized)
            message += " (check the API token in digitalocean.tokenSecretRef)";
        return _calls.Failure(what, answer, message);
    }

    private static string Relative(string name, string domain) =>
        name == domain ? "@" : name[..^(domain.Length + 1)];
}
