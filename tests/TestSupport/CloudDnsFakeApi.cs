using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// Google's OAuth token endpoint for service accounts plus Cloud DNS v1, the calls a DNS-01 solver makes: list managed
/// zones by DNS name, list a name's TXT record sets, and submit changes. A token is given only for a JWT assertion
/// signed (RS256) with the key of <see cref="ServiceAccountKeyJson"/>, issued by its client_email, for the token URL,
/// with the Cloud DNS scope; the DNS calls need one of those tokens. Changes behave as Cloud DNS's: a deletion must
/// match the set exactly (else 412), an addition must not exist (else 409).
/// </summary>
public sealed class CloudDnsFakeApi : DnsApiFake
{
    public const string Scope = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

    /// <summary>The audience Google documents for service account JWT grants; the key's token_uri is accepted too.</summary>
    public const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";
    private static readonly HashSet<string> RrsetFields = ["name", "type", "ttl", "rrdatas", "kind", "signatureRrdatas", "routingPolicy"];

    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    private readonly ConcurrentDictionary<string, byte> _tokens = new();
    private readonly Dictionary<string, (string DnsName, string Visibility)> _zones = [];
    private readonly Dictionary<(string Zone, string Name), JsonObject> _sets = [];
    private int _tokensIssued;

    private CloudDnsFakeApi(string project) => Project = project;

    public string Project { get; }

    public string ClientEmail => $"certfleet@{Project}.iam.gserviceaccount.com";

    protected override string Vendor => "Google Cloud DNS";

    /// <summary>The API root to configure (without /dns/v1).</summary>
    public string BaseUrl => Root;

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public static async Task<CloudDnsFakeApi> StartAsync(string project)
    {
        var api = new CloudDnsFakeApi(project);
        await api.ListenAsync();
        return api;
    }

    /// <summary>A service account key file as the console downloads it, its token_uri this fake.</summary>
    public string ServiceAccountKeyJson(RSA? otherKey = null) => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = Project,
        ["private_key_id"] = _keyId,
        ["private_key"] = (otherKey ?? _key).ExportPkcs8PrivateKeyPem() + "\n",
        ["client_email"] = ClientEmail,
        ["client_id"] = "112233445566778899000",
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = Root + "/token",
        ["auth_provider_x509_cert_url"] = "https://www.googleapis.com/oauth2/v1/certs",
        ["universe_domain"] = "googleapis.com",
    }.ToJsonString();

    public void AddZone(string zoneName, string dnsName, string visibility = "public")
    {
        lock (_sets)
            _zones[zoneName] = (dnsName.TrimEnd('.') + ".", visibility);
    }

    /// <summary>The rrdatas of a TXT set, or null when there is none.</summary>
    public IReadOnlyList<string>? Rrdatas(string zone, string fqdn)
    {
        lock (_sets)
            return _sets.TryGetValue((zone, fqdn.ToLowerInvariant()), out var set) ? [.. set["rrdatas"]!.AsArray().Select(r => r!.GetValue<string>())] : null;
    }

    public void AddTxt(string zone, string fqdn, params string[] rrdatas)
    {
        lock (_sets)
            _sets[(zone, fqdn.ToLowerInvariant())] = Set(fqdn.ToLowerInvariant(), 300, rrdatas);
    }

    protected override async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method == "POST" && request.Path == "/token")
            return await TokenAsync(request);
        if (!request.Path.StartsWithSegments($"/dns/v1/projects/{Project}", out var rest))
            return Violation(request, "path outside /dns/v1/projects/<project>");
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            return Violation(request, $"Authorization \"{authorization}\" is not \"Bearer <token>\"");
        if (!_tokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            CountUnauthenticated();
            return Error(401, "authError", "Request had invalid authentication credentials.");
        }
        var segments = rest.Value!.Trim('/').Split('/');
        return (request.Method, segments) switch
        {
            ("GET", ["managedZones"]) => NoBodyProblem(request) ?? ListZones(request),
            ("GET", ["managedZones", var zone, "rrsets"]) => NoBodyProblem(request) ?? ListSets(request, zone),
            ("POST", ["managedZones", var zone, "changes"]) => await ChangeAsync(request, zone),
            _ => Violation(request, "not an endpoint a DNS-01 solver uses"),
        };
    }

    private async Task<(int, JsonNode?)> TokenAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
            return Violation(request, $"token request Content-Type \"{request.ContentType}\" is not a form");
        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
            return Violation(request, $"grant_type \"{form["grant_type"]}\" is not the JWT bearer grant");
        var parts = form["assertion"].ToString().Split('.');
        if (parts.Length != 3)
            return Violation(request, "assertion is not a JWS compact JWT");
        JsonNode? header, claims;
        try
        {
            header = JsonNode.Parse(Base64Url(parts[0]));
            claims = JsonNode.Parse(Base64Url(parts[1]));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return Violation(request, $"assertion does not decode: {e.Message}");
        }
        if (header?["alg"]?.GetValue<string>() != "RS256")
            return Violation(request, "assertion is not RS256");
        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!_key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            CountUnauthenticated();
            return (400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "Invalid JWT Signature." });
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (iat, exp) = (claims?["iat"]?.GetValue<long>() ?? 0, claims?["exp"]?.GetValue<long>() ?? 0);
        var audience = claims?["aud"]?.GetValue<string>();
        if (claims?["iss"]?.GetValue<string>() != ClientEmail || (audience != GoogleTokenAudience && audience != Root + "/token")
            || !(claims?["scope"]?.GetValue<string>() ?? "").Split(' ').Contains(Scope)
            || Math.Abs(iat - now) > 300 || exp <= iat || exp - iat > 3600)
            return Violation(request, $"assertion claims {claims?.ToJsonString()} are not iss=client_email, aud=Google's token audience or token_uri, the Cloud DNS scope, iat now, exp within an hour");
        var token = "ya29.fake-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = 0;
        Interlocked.Increment(ref _tokensIssued);
        return (200, new JsonObject { ["access_token"] = token, ["expires_in"] = 3599, ["token_type"] = "Bearer" });
    }

    private (int, JsonNode?) ListZones(HttpRequest request)
    {
        if (request.Query.Keys.FirstOrDefault(k => k is not ("dnsName" or "maxResults" or "pageToken")) is { } unknown)
            return Violation(request, $"undocumented query parameter \"{unknown}\"");
        var dnsName = request.Query["dnsName"].ToString();
        if (dnsName.Length > 0 && !dnsName.EndsWith('.'))
            return Violation(request, $"dnsName={dnsName} is not fully qualified (trailing dot)");
        JsonArray zones;
        lock (_sets)
            zones = new JsonArray([.. _zones.Where(z => dnsName.Length == 0 || z.Value.DnsName.Equals(dnsName, StringComparison.OrdinalIgnoreCase))
                .Select(z => (JsonNode)new JsonObject { ["kind"] = "dns#managedZone", ["name"] = z.Key, ["dnsName"] = z.Value.DnsName, ["visibility"] = z.Value.Visibility })]);
        return (200, new JsonObject { ["kind"] = "dns#managedZonesListResponse", ["managedZones"] = zones });
    }

    private (int, JsonNode?) ListSets(HttpRequest request, string zone)
    {
        if (request.Query.Keys.FirstOrDefault(k => k is not ("name" or "type" or "maxResults" or "pageToken")) is { } unknown)
            return Violation(request, $"undocumented query parameter \"{unknown}\"");
        var name = request.Query["name"].ToString();
        if (request.Query.ContainsKey("type") && name.Length == 0)
            return Violation(request, "type given without name");
        if (name.Length > 0 && !name.EndsWith('.'))
            return Violation(request, $"name={name} is not fully qualified (trailing dot)");
        lock (_sets)
        {
            if (!_zones.ContainsKey(zone))
                return Error(404, "notFound", $"The 'parameters.managedZone' resource named '{zone}' does not exist.");
            var type = request.Query["type"].ToString();
            var sets = _sets.Where(s => s.Key.Zone == zone && (name.Length == 0 || s.Key.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                                        && (type.Length == 0 || type == "TXT"))
                .Select(s => s.Value.DeepClone()).ToArray();
            return (200, new JsonObject { ["kind"] = "dns#resourceRecordSetsListResponse", ["rrsets"] = new JsonArray(sets) });
        }
    }

    private async Task<(int, JsonNode?)> ChangeAsync(HttpRequest request, string zone)
    {
        if (request.QueryString.HasValue)
            return Violation(request, "changes.create takes no query");
        var (body, problem) = await JsonBodyAsync(request);
        if (problem is { } bad)
            return bad;
        if (FieldsProblem(request, body!, new HashSet<string> { "kind", "additions", "deletions" }) is { } fields)
            return fields;
        var additions = body!["additions"] as JsonArray ?? [];
        var deletions = body["deletions"] as JsonArray ?? [];
        if (additions.Count + deletions.Count == 0)
            return Violation(request, "a change with neither additions nor deletions");
        foreach (var set in additions.Concat(deletions))
        {
            if (set is not JsonObject rrset || FieldsProblem(request, rrset, RrsetFields, "name", "type", "ttl", "rrdatas") is not null)
                return Violation(request, $"record set {set?.ToJsonString()} is not {{name, type, ttl, rrdatas}}");
            if (StringField(rrset, "type") != "TXT" || StringField(rrset, "name") is not { } setName || !setName.EndsWith('.')
                || rrset["rrdatas"] is not JsonArray { Count: > 0 } rrdatas || rrdatas.Any(r => r?.GetValue<string>() is not { Length: >= 2 } text || text[0] != '"' || text[^1] != '"'))
                return Violation(request, $"record set {rrset.ToJsonString()}: a TXT set with a fully qualified name and quoted rrdatas");
        }
        var changed = new HashSet<string>();
        lock (_sets)
        {
            if (!_zones.TryGetValue(zone, out var zoneInfo))
                return Error(404, "notFound", $"The 'parameters.managedZone' resource named '{zone}' does not exist.");
            foreach (var set in additions.Concat(deletions).OfType<JsonObject>())
                if (StringField(set, "name") is { } setName && !(setName.Equals(zoneInfo.DnsName, StringComparison.OrdinalIgnoreCase) || setName.EndsWith("." + zoneInfo.DnsName, StringComparison.OrdinalIgnoreCase)))
                    return Violation(request, $"{setName} is outside zone {zoneInfo.DnsName}");
            var next = new Dictionary<(string, string), JsonObject>(_sets);
            foreach (var deletion in deletions.OfType<JsonObject>())
            {
                var key = (zone, StringField(deletion, "name")!.ToLowerInvariant());
                if (!next.TryGetValue(key, out var existing) || !JsonNode.DeepEquals(Normal(existing), Normal(deletion)))
                    return Error(412, "conditionNotMet", $"Precondition not met for 'entity.change.deletions[{key.Item2}][TXT]'");
                next.Remove(key);
                changed.Add(key.Item2);
            }
            foreach (var addition in additions.OfType<JsonObject>())
            {
                var key = (zone, StringField(addition, "name")!.ToLowerInvariant());
                if (next.ContainsKey(key))
                    return Error(409, "alreadyExists", $"The resource 'entity.change.additions[{key.Item2}][TXT]' named '{key.Item2} (TXT)' already exists");
                next[key] = Normal(addition);
                changed.Add(key.Item2);
            }
            _sets.Clear();
            foreach (var (key, value) in next)
                _sets[key] = value;
        }
        foreach (var name in changed)
            await NotifyAsync(name, [.. (Rrdatas(zone, name) ?? []).Select(r => r.Trim('"'))]);
        return (200, new JsonObject
        {
            ["kind"] = "dns#change", ["id"] = Guid.NewGuid().ToString("N")[..8], ["status"] = "done",
            ["startTime"] = DateTimeOffset.UtcNow.ToString("O"), ["additions"] = additions.DeepClone(), ["deletions"] = deletions.DeepClone(),
        });
    }

    private static JsonObject Normal(JsonObject set) => Set(StringField(set, "name")!.ToLowerInvariant(), IntField(set, "ttl") ?? 0,
        [.. set["rrdatas"]!.AsArray().Select(r => r!.GetValue<string>())]);

    private static JsonObject Set(string name, int ttl, IEnumerable<string> rrdatas) => new()
    {
        ["kind"] = "dns#resourceRecordSet", ["name"] = name, ["type"] = "TXT", ["ttl"] = ttl,
        ["rrdatas"] = new JsonArray([.. rrdatas.Select(r => (JsonNode)JsonValue.Create(r))]),
    };

    private static (int, JsonNode?) Error(int code, string reason, string message) => (code, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = code, ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = reason, ["message"] = message }),
        },
    });

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }
}
