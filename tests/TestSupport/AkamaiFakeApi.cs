using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// Akamai Edge DNS's config-dns v2 API, the calls a DNS-01 solver makes: get a zone, and get, create, replace and delete
/// the TXT record set of a name. Every request must carry a valid EdgeGrid signature, which this fake computes on its
/// own from the request it received (method, scheme, host, path and query, POST body hash, the header's own fields)
/// and the client's secret; a timestamp more than 5 minutes off or a reused nonce is refused too.
/// </summary>
public sealed class AkamaiFakeApi : DnsApiFake
{
    private const string Prefix = "/config-dns/v2/zones";
    private static readonly HashSet<string> RecordSetFields = ["name", "type", "ttl", "rdata"];

    private readonly (string ClientToken, string ClientSecret, string AccessToken) _client;
    private readonly HashSet<string> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (int Ttl, List<string> Rdata)> _txt = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _nonces = [];

    private AkamaiFakeApi(string clientToken, string clientSecret, string accessToken) => _client = (clientToken, clientSecret, accessToken);

    protected override string Vendor => "Akamai Edge DNS";

    /// <summary>Configure as the Akamai endpoint (replacing https://serviceConsumerDomain).</summary>
    public string Endpoint => Root + "/";

    public static async Task<AkamaiFakeApi> StartAsync(string clientToken, string clientSecret, string accessToken)
    {
        var api = new AkamaiFakeApi(clientToken, clientSecret, accessToken);
        await api.ListenAsync();
        return api;
    }

    public void AddZone(string zone)
    {
        lock (_txt)
            _zones.Add(zone);
    }

    /// <summary>A TXT value put there by someone else (rdata as Akamai holds it, quoted).</summary>
    public void AddValue(string name, string rdata)
    {
        lock (_txt)
        {
            if (!_txt.TryGetValue(name, out var set))
                _txt[name] = set = (300, []);
            set.Rdata.Add(rdata);
        }
    }

    /// <summary>The rdata at a name, as stored; null when there is no set.</summary>
    public IReadOnlyList<string>? Rdata(string name)
    {
        lock (_txt)
            return _txt.TryGetValue(name, out var set) ? [.. set.Rdata] : null;
    }

    protected override async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        request.Body.Position = 0;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        request.Body.Position = 0;
        if (SignatureProblem(request, Encoding.UTF8.GetBytes(body)) is { } refused)
            return refused;
        if (!request.Path.StartsWithSegments(Prefix, out var rest))
            return Violation(request, $"path outside {Prefix}");
        if (request.QueryString.HasValue)
            return Violation(request, "these calls take no query");
        var segments = rest.Value!.Trim('/').Split('/');
        return (request.Method, segments) switch
        {
            ("GET", [var zone]) => NoBodyProblem(request) ?? GetZone(zone),
            (_, [var zone, "names", var name, "types", "TXT"]) => await RecordSetAsync(request, zone, name),
            _ => Violation(request, "not an endpoint a DNS-01 solver uses"),
        };
    }

    private (int, JsonNode?) GetZone(string zone)
    {
        lock (_txt)
            return _zones.Contains(zone)
                ? (200, new JsonObject { ["zone"] = zone.ToLowerInvariant(), ["type"] = "PRIMARY", ["activationState"] = "ACTIVE" })
                : Problem(404, "Not Found", $"Zone {zone} not found");
    }

    private async Task<(int, JsonNode?)> RecordSetAsync(HttpRequest request, string zone, string name)
    {
        lock (_txt)
            if (!_zones.Contains(zone))
                return Problem(404, "Not Found", $"Zone {zone} not found");
        if (name.EndsWith('.') || !(name.Equals(zone, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + zone, StringComparison.OrdinalIgnoreCase)))
            return Violation(request, $"name {name} is not a name in zone {zone} without a trailing dot");
        switch (request.Method)
        {
            case "GET":
                if (NoBodyProblem(request) is { } get)
                    return get;
                lock (_txt)
                    return _txt.TryGetValue(name, out var set)
                        ? (200, SetJson(name, set.Ttl, set.Rdata))
                        : Problem(404, "Not Found", $"Recordset {name} TXT not found");
            case "DELETE":
                if (NoBodyProblem(request) is { } delete)
                    return delete;
                lock (_txt)
                    if (!_txt.Remove(name))
                        return Problem(404, "Not Found", $"Recordset {name} TXT not found");
                await NotifyAsync(name, []);
                return (204, null);
            case "POST" or "PUT":
                var (body, problem) = await JsonBodyAsync(request);
                if (problem is { } bad)
                    return bad;
                if (FieldsProblem(request, body!, RecordSetFields, "name", "type", "ttl", "rdata") is { } fields)
                    return fields;
                if (!string.Equals(StringField(body!, "name"), name, StringComparison.OrdinalIgnoreCase) || StringField(body!, "type") != "TXT")
                    return Violation(request, "\"name\" and \"type\" must be the path's name and TXT");
                if (IntField(body!, "ttl") is not > 0 || body!["rdata"] is not JsonArray { Count: > 0 } rdata
                    || rdata.Any(r => r is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
                    return Violation(request, "\"ttl\" must be a positive number and \"rdata\" a non-empty array of strings");
                var values = rdata.Select(r => r!.GetValue<string>()).ToList();
                if (values.Any(v => !(v.Length >= 2 && v.StartsWith('"') && v.EndsWith('"'))))
                    return Violation(request, "TXT rdata must be quoted character strings");
                lock (_txt)
                {
                    var exists = _txt.ContainsKey(name);
                    if (request.Method == "POST" && exists)
                        return Problem(409, "Conflict", $"Recordset {name} TXT already exists");
                    if (request.Method == "PUT" && !exists)
                        return Problem(404, "Not Found", $"Recordset {name} TXT not found");
                    _txt[name] = (IntField(body!, "ttl")!.Value, values);
                }
                await NotifyAsync(name, [.. values.Select(v => v.Trim('"'))]);
                return (request.Method == "POST" ? 201 : 200, SetJson(name, IntField(body!, "ttl")!.Value, values));
            default:
                return Violation(request, "not an endpoint a DNS-01 solver uses");
        }
    }

    /// <summary>
    /// EdgeGrid, checked from scratch: the header's fields, the clock, the nonce, then the signature over
    /// method \t scheme \t host \t path?query \t (no signed headers) \t POST body hash \t header-before-signature,
    /// keyed with base64(HMAC-SHA256(client_secret, timestamp)).
    /// </summary>
    private (int, JsonNode?)? SignatureProblem(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string scheme = "EG1-HMAC-SHA256 ";
        if (!authorization.StartsWith(scheme, StringComparison.Ordinal))
            return Violation(request, $"Authorization \"{authorization}\" is not an EG1-HMAC-SHA256 header", 401);
        var fields = authorization[scheme.Length..].Split(';');
        var values = fields.Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        string[] order = ["client_token", "access_token", "timestamp", "nonce", "signature"];
        if (fields.Length != order.Length || !fields.Select(f => f.Split('=')[0]).SequenceEqual(order))
            return Violation(request, $"Authorization fields are not {string.Join(";", order)}", 401);
        if (!DateTimeOffset.TryParseExact(values["timestamp"].Replace("+0000", "+00:00", StringComparison.Ordinal), "yyyyMMdd'T'HH:mm:sszzz",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return Violation(request, $"timestamp \"{values["timestamp"]}\" is not yyyyMMddTHH:mm:ss+0000", 401);
        if (!values["timestamp"].EndsWith("+0000", StringComparison.Ordinal) || (DateTimeOffset.UtcNow - at).Duration() > TimeSpan.FromMinutes(5))
            return Violation(request, $"timestamp \"{values["timestamp"]}\" is not UTC now", 401);
        lock (_nonces)
            if (values["nonce"].Length == 0 || !_nonces.Add(values["nonce"]))
                return Violation(request, $"nonce \"{values["nonce"]}\" empty or used before", 401);
        if (values["client_token"] != _client.ClientToken || values["access_token"] != _client.AccessToken)
        {
            CountUnauthenticated();
            return Problem(401, "Not authorized", "Invalid client token or access token");
        }
        var contentHash = request.Method == "POST" && body.Length > 0
            ? Convert.ToBase64String(SHA256.HashData(body.AsSpan(0, Math.Min(body.Length, 131072))))
            : "";
        var signed = authorization[..(authorization.LastIndexOf("signature=", StringComparison.Ordinal))];
        var data = $"{request.Method}\thttp\t{request.Host.Value}\t{request.Path}{request.QueryString}\t\t{contentHash}\t{signed}";
        var key = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_client.ClientSecret), Encoding.UTF8.GetBytes(values["timestamp"])));
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(data)));
        if (values["signature"] != expected)
        {
            CountUnauthenticated();
            return Problem(401, "Not authorized", "The signature does not match");
        }
        return null;
    }

    private static JsonObject SetJson(string name, int ttl, List<string> rdata) => new()
    {
        ["name"] = name, ["type"] = "TXT", ["ttl"] = ttl, ["rdata"] = new JsonArray([.. rdata.Select(r => (JsonNode)JsonValue.Create(r))]),
    };

    private static (int, JsonNode?) Problem(int status, string title, string detail) => (status, new JsonObject
    {
        ["type"] = $"https://problems.luna.akamaiapis.net/authoritative-dns/{title.Replace(' ', '-').ToLowerInvariant()}",
        ["title"] = title, ["detail"] = detail, ["status"] = status,
    });
}
