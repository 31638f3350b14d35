using System.Text.Json;
using System.Text.Json.Nodes;

namespace CertFleet.Providers.Dns01;

/// <summary>One acme-dns registration, as acme-dns' /register answers it and cert-manager's account JSON holds it.</summary>
public sealed record AcmeDnsAccount(string Username, string Password, string Subdomain, string FullDomain);

/// <summary>cert-manager's <c>dns01.acmeDNS</c>: the server and the accounts from <c>accountSecretRef</c>, keyed by domain.</summary>
public sealed record AcmeDnsSettings
{
    private const string AccountField = "spec.acme.solvers[].dns01.acmeDNS.accountSecretRef";

    public required Uri Host { get; init; }
    public required IReadOnlyDictionary<string, AcmeDnsAccount> Accounts { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads cert-manager's account JSON: {"example.com": {"username", "password", "subdomain", "fulldomain"}, ...}
    /// (acme-dns-client's and lego's format; other fields such as allowfrom are ignored).
    /// </summary>
    /// <exception cref="ArgumentException">Not that shape; the message names the field and what is wrong, never a password.</exception>
    public static IReadOnlyDictionary<string, AcmeDnsAccount> ParseAccounts(string json)
    {
        JsonObject accounts;
        try
        {
            accounts = JsonNode.Parse(json) as JsonObject
                       ?? throw new ArgumentException($"{AccountField}: the Secret's value is not a JSON object keyed by domain");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{AccountField}: the Secret's value is not JSON ({e.Message.Split('.')[0]}); it must map each domain to its acme-dns registration");
        }
        var parsed = new Dictionary<string, AcmeDnsAccount>(StringComparer.OrdinalIgnoreCase);
        foreach (var (domain, node) in accounts)
        {
            string Field(string name) =>
                node is JsonObject account && account[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
                    ? text
                    : throw new ArgumentException($"{AccountField}: the account of \"{domain}\" has no \"{name}\" string; copy it from acme-dns' /register answer");
            parsed[domain.TrimEnd('.')] = new AcmeDnsAccount(Field("username"), Field("password"), Field("subdomain"), Field("fulldomain").TrimEnd('.'));
        }
        if (parsed.Count == 0)
            throw new ArgumentException($"{AccountField}: the Secret's JSON holds no account; add one per domain");
        return parsed;
    }
}

/// <summary>
/// acme-dns: each domain's _acme-challenge is a CNAME to its account's fulldomain, and a present is one POST /update
/// with the account's X-Api-User / X-Api-Key. acme-dns keeps the latest two values per account (enough for an apex and
/// its wildcard) and has no delete, so clean-up leaves the value to be replaced, as cert-manager does.
/// </summary>
public sealed class AcmeDnsProvider : IDns01Provider
{
    private const string Provider = "acme-dns";

    private readonly AcmeDnsSettings _settings;
    private readonly Dns01ApiCalls _calls;

    /// <exception cref="ArgumentException">The host is not an http(s) URL.</exception>
    public AcmeDnsProvider(AcmeDnsSettings settings, HttpClient http)
    {
        if (!settings.Host.IsAbsoluteUri || settings.Host.Scheme is not ("https" or "http"))
            throw new ArgumentException($"spec.acme.solvers[].dns01.acmeDNS.host: \"{settings.Host}\" is not an http(s) URL; set the acme-dns server's URL, e.g. https://auth.acme-dns.io");
        _settings = settings;
        _calls = new Dns01ApiCalls(http, Provider, settings.Timeout);
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default)
    {
        var name = fqdn.TrimEnd('.');
        var (domain, account) = Account(name);
        return _calls.RunAsync($"update TXT of {domain} ({account.FullDomain})", async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_settings.Host, "update"))
            {
                Content = Dns01ApiCalls.JsonBody(new JsonObject { ["subdomain"] = account.Subdomain, ["txt"] = value }),
            };
            request.Headers.Add("X-Api-User", account.Username);
            request.Headers.Add("X-Api-Key", account.Password);
            var answer = await _calls.SendAsync(request, token);
            if (answer.IsSuccess)
                return;
            // acme-dns answers {"error": "forbidden" | "bad_subdomain" | "bad_txt" | ...}.
            var error = answer.Json()?["error"]?.GetValue<string>();
            if (error is "forbidden" or "unauthorized")
                error += $": acme-dns refused the username/password of \"{domain}\" in acmeDNS.accountSecretRef";
            throw _calls.Failure($"update TXT of {domain} ({account.FullDomain})", answer, error);
        }, ct);
    }

    /// <summary>Nothing to do: acme-dns has no delete, and replaces the older of its two values on the next update.</summary>
    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default)
    {
        Account(fqdn.TrimEnd('.'));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The account for a challenge name: "_acme-challenge.&lt;domain&gt;" looks the domain up (as cert-manager does);
    /// a name that is an account's fulldomain (a CNAME followed with cnameStrategy Follow) is that account's.
    /// </summary>
    private (string Domain, AcmeDnsAccount Account) Account(string name)
    {
        const string prefix = "_acme-challenge.";
        var domain = name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? name[prefix.Length..] : name;
        if (_settings.Accounts.TryGetValue(domain, out var account))
            return (domain, account);
        var byTarget = _settings.Accounts.FirstOrDefault(a => string.Equals(a.Value.FullDomain, name, StringComparison.OrdinalIgnoreCase));
        if (byTarget.Value is not null)
            return (byTarget.Key, byTarget.Value);
        throw new Dns01ProviderException(
            $"spec.acme.solvers[].dns01.acmeDNS.accountSecretRef: the Secret has no account for \"{domain}\" (it has {string.Join(", ", _settings.Accounts.Keys.Order().Select(k => $"\"{k}\""))}); register one with acme-dns and add it under that key");
    }
}
