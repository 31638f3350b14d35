using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// DigitalOcean's API v2, the calls a DNS-01 solver makes: get a domain, list its TXT records by name, create and delete
/// a record, each with the documented bearer token, query and body; anything else is a violation.
/// </summary>
public sealed class DigitalOceanFakeApi : DnsApiFake
{
    private static readonly HashSet<string> RecordQueryKeys = ["type", "name", "page", "per_page"];
    private static readonly HashSet<string> CreateFields = ["type", "name", "data", "ttl", "priority", "port", "weight", "flags", "tag"];

    private readonly string _token;
    private readonly HashSet<string> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Record> _records = [];
    private long _nextId = 1000;

    private DigitalOceanFakeApi(string token) => _token = token;

    /// <summary>A record; <paramref name="Name"/> is relative to its domain ("@" at the apex), as DigitalOcean stores it.</summary>
    public sealed record Record(long Id, string Domain, string Name, string Data, int Ttl);

    protected override string Vendor => "DigitalOcean";

    /// <summary>The API root to configure (without /v2).</summary>
    public string BaseUrl => Root;

    public IReadOnlyList<Record> Records
    {
        get
        {
            lock (_records)
                return [.. _records];
        }
    }

    public static async Task<DigitalOceanFakeApi> StartAsync(string token)
    {
        var api = new DigitalOceanFakeApi(token);
        await api.ListenAsync();
        return api;
    }

    public void AddDomain(string name)
    {
        lock (_records)
            _domains.Add(name);
    }

    /// <summary>A TXT record made elsewhere, which the solver must leave alone.</summary>
    public void AddRecord(string domain, string relativeName, string data)
    {
        lock (_records)
            _records.Add(new Record(++_nextId, domain, relativeName, data, 300));
    }

    protected override async Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/v2", out var rest))
            return Violation(request, "path outside /v2");
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            return Violation(request, $"Authorization \"{authorization}\" is not \"Bearer <token>\"");
        if (authorization != $"Bearer {_token}")
        {
            CountUnauthenticated();
            return (401, Error("unauthorized", "Unable to authenticate you"));
        }
        var segments = rest.Value!.Trim('/').Split('/');
        return (request.Method, segments) switch
        {
            ("GET", ["domains", var domain]) => NoBodyProblem(request) ?? GetDomain(request, domain),
            ("GET", ["domains", var domain, "records"]) => NoBodyProblem(request) ?? ListRecords(request, domain),
            ("POST", ["domains", var domain, "records"]) => await CreateAsync(request, domain),
            ("DELETE", ["domains", var domain, "records", var id]) => NoBodyProblem(request) ?? await DeleteAsync(request, domain, id),
            _ => Violation(request, "not an endpoint a DNS-01 solver uses"),
        };
    }

    private (int, JsonNode?) GetDomain(HttpRequest request, string domain)
    {
        if (request.QueryString.HasValue)
            return Violation(request, "getting a domain takes no query");
        lock (_records)
            return _domains.Contains(domain)
                ? (200, new JsonObject { ["domain"] = new JsonObject { ["name"] = domain.ToLowerInvariant(), ["ttl"] = 1800, ["zone_file"] = "" } })
                : NotFound();
    }

    private (int, JsonNode?) ListRecords(HttpRequest request, string domain)
    {
        if (request.Query.Keys.FirstOrDefault(key => !RecordQueryKeys.Contains(key)) is { } unknown)
            return Violation(request, $"undocumented query parameter \"{unknown}\"");
        if (request.Query["per_page"] is { Count: > 0 } perPage && !(int.TryParse(perPage, out var size) && size is >= 1 and <= 200))
            return Violation(request, $"per_page={perPage} is outside 1..200");
        if (!Known(domain))
            return NotFound();
        var type = request.Query["type"].ToString();
        var name = request.Query["name"].ToString();
        // The documented filter: name is the fully qualified record name, and only with type.
        if (name.Length > 0 && (name.EndsWith('.') || !(name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))))
            return Violation(request, $"name={name} is not a fully qualified name in {domain} without a trailing dot");
        var matches = Records.Where(r => r.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase)
                                         && (type.Length == 0 || type == "TXT")
                                         && (name.Length == 0 || Fqdn(r).Equals(name, StringComparison.OrdinalIgnoreCase)))
            .Select(RecordJson).ToArray();
        return (200, new JsonObject
        {
            ["domain_records"] = new JsonArray(matches), ["links"] = new JsonObject(), ["meta"] = new JsonObject { ["total"] = matches.Length },
        });
    }

    private async Task<(int, JsonNode?)> CreateAsync(HttpRequest request, string domain)
    {
        if (request.QueryString.HasValue)
            return Violation(request, "create takes no query");
        var (body, problem) = await JsonBodyAsync(request);
        if (problem is { } bad)
            return bad;
        if (FieldsProblem(request, body!, CreateFields, "type", "name", "data") is { } fields)
            return fields;
        if (StringField(body!, "type") != "TXT")
            return Violation(request, "\"type\" must be \"TXT\"");
        if (StringField(body!, "name") is not { Length: > 0 } name || name.EndsWith('.') || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))
            return Violation(request, "\"name\" must be the name relative to the domain (\"@\" at the apex), e.g. _acme-challenge");
        if (StringField(body!, "data") is not { Length: > 0 } data)
            return Violation(request, "\"data\" must be a non-empty string");
        var ttl = body!.ContainsKey("ttl") ? IntField(body, "ttl") : 1800;
        if (ttl is not >= 30)
            return Violation(request, "\"ttl\" must be a number of at least 30");
        if (!Known(domain))
            return NotFound();
        Record created;
        lock (_records)
            _records.Add(created = new Record(++_nextId, domain.ToLowerInvariant(), name, data, ttl.Value));
        await NotifyAsync(Fqdn(created), Values(Fqdn(created)));
        return (201, new JsonObject { ["domain_record"] = RecordJson(created) });
    }

    private async Task<(int, JsonNode?)> DeleteAsync(HttpRequest request, string domain, string id)
    {
        if (request.QueryString.HasValue)
            return Violation(request, "delete takes no query");
        Record? removed;
        lock (_records)
        {
            removed = _records.FirstOrDefault(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == id
                                                    && r.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase));
            if (removed is not null)
                _records.Remove(removed);
        }
        if (removed is null)
            return NotFound();
        await NotifyAsync(Fqdn(removed), Values(Fqdn(removed)));
        return (204, null);
    }

    private bool Known(string domain)
    {
        lock (_records)
            return _domains.Contains(domain);
    }

    private IReadOnlyList<string> Values(string fqdn) =>
        [.. Records.Where(r => Fqdn(r).Equals(fqdn, StringComparison.OrdinalIgnoreCase)).Select(r => r.Data)];

    private static string Fqdn(Record record) => record.Name == "@" ? record.Domain : $"{record.Name}.{record.Domain}";

    private static JsonObject RecordJson(Record record) => new()
    {
        ["id"] = record.Id, ["type"] = "TXT", ["name"] = record.Name, ["data"] = record.Data, ["ttl"] = record.Ttl,
        ["priority"] = null, ["port"] = null, ["weight"] = null, ["flags"] = null, ["tag"] = null,
    };

    private static (int, JsonNode?) NotFound() => (404, Error("not_found", "The resource you were accessing could not be found."));

    private static JsonObject Error(string id, string message) => new() { ["id"] = id, ["message"] = message };
}
