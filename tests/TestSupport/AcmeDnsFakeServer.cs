using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// An acme-dns server's update API: POST /update with X-Api-User / X-Api-Key and {"subdomain", "txt"}; the account's
/// subdomain keeps its latest two values, as acme-dns does. Accounts are made by <see cref="Register"/>, which returns
/// what acme-dns' /register would (the shape of cert-manager's account JSON).
/// </summary>
public sealed partial class AcmeDnsFakeServer : DnsApiFake
{
    private static readonly HashSet<string> UpdateFields = ["subdomain", "txt"];

    private readonly Dictionary<string, Account> _accounts = [];
    private readonly Dictionary<string, List<string>> _values = [];

    private AcmeDnsFakeServer()
    {
    }

    public sealed record Account(string Username, string Password, string Subdomain, string FullDomain);

    protected override string Vendor => "acme-dns";

    public static async Task<AcmeDnsFakeServer> StartAsync()
    {
        var server = new AcmeDnsFakeServer();
        await server.ListenAsync();
        return server;
    }

    /// <summary>A new account under <paramref name="baseDomain"/> (acme-dns' own zone).</summary>
    public Account Register(string baseDomain = "auth.acme-dns.test")
    {
        var subdomain = Guid.NewGuid().ToString();
        var account = new Account(Guid.NewGuid().ToString(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_'),
            subdomain, $"{subdomain}.{baseDomain}");
        lock (_accounts)
            _accounts[account.Username] = account;
        return account;
    }

    /// <summary>cert-manager's account JSON for these domains.</summary>
    public static string AccountJson(params (string Domain, Account Account)[] accounts) => new JsonObject(accounts.Select(a =>
        KeyValuePair.Create(a.Domain, (JsonNode?)new JsonObject
        {
            ["username"] = a.Account.Username, ["password"] = a.Account.Password,
            ["subdomain"] = a.Account.Subdomain, ["fulldomain"] = a.Account.FullDomain, ["allowfrom"] = new JsonArray(),
        }))).ToJsonString();

    /// <summary>The values the account's subdomain serves now.</summary>
    public IReadOnlyList<string> Values(Account account)
    {
        lock (_accounts)
            return _values.TryGetValue(account.Subdomain, out var values) ? [.. values] : [];
    }

    protected override async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method != "POST" || request.Path != "/update")
            return Violation(request, "not an endpoint a DNS-01 solver uses (POST /update)");
        if (request.QueryString.HasValue)
            return Violation(request, "update takes no query");
        var user = request.Headers["X-Api-User"].ToString();
        var key = request.Headers["X-Api-Key"].ToString();
        if (user.Length == 0 || key.Length == 0)
            return Violation(request, "X-Api-User and X-Api-Key are both required", 401);
        var (body, problem) = await JsonBodyAsync(request);
        if (problem is { } bad)
            return bad;
        if (FieldsProblem(request, body!, UpdateFields, "subdomain", "txt") is { } fields)
            return fields;
        Account? account;
        lock (_accounts)
            account = _accounts.GetValueOrDefault(user);
        if (account is null || account.Password != key || account.Subdomain != StringField(body!, "subdomain"))
        {
            CountUnauthenticated();
            return (401, new JsonObject { ["error"] = "forbidden" });
        }
        var txt = StringField(body!, "txt");
        // acme-dns takes only what a DNS-01 value is: 43 characters of unpadded base64url.
        if (txt is null || !KeyAuthorizationDigest().IsMatch(txt))
            return (400, new JsonObject { ["error"] = "bad_txt" });
        List<string> now;
        lock (_accounts)
        {
            if (!_values.TryGetValue(account.Subdomain, out var values))
                _values[account.Subdomain] = values = [];
            values.Add(txt);
            if (values.Count > 2)
                values.RemoveAt(0);
            now = [.. values];
        }
        await NotifyAsync(account.FullDomain, now);
        return (200, new JsonObject { ["txt"] = txt });
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyAuthorizationDigest();
}
