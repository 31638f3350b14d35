using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// Cloudflare API v4 on loopback, just the calls a DNS-01 solver makes: zone lookup by name, TXT listing, record create
/// and delete. Every request is checked against the documented shape; anything else is answered 400 and recorded in
/// <see cref="Violations"/>, which fails the test when the fake is disposed. <see cref="RecordsChanged"/> lets a test
/// publish the records where an ACME server looks for them.
/// </summary>
public sealed class CloudflareFakeApi : IAsyncDisposable
{
    public const string PathPrefix = "/client/v4";

    private static readonly HashSet<string> ZoneQueryKeys = ["name", "status", "page", "per_page", "order", "direction", "match"];
    private static readonly HashSet<string> RecordQueryKeys = ["type", "name", "content", "page", "per_page", "match", "order", "direction"];
    private static readonly HashSet<string> CreateFields = ["type", "name", "content", "ttl", "proxied", "comment", "tags", "settings"];

    private readonly WebApplication _app;
    private readonly string? _token;
    private readonly (string Email, string Key)? _globalKey;
    private readonly ConcurrentDictionary<string, string> _zoneIds = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Record> _records = [];

    private CloudflareFakeApi(WebApplication app, string? token, (string, string)? globalKey)
    {
        _app = app;
        _token = token;
        _globalKey = globalKey;
    }

    public sealed record Record(string Id, string ZoneId, string Name, string Content, int Ttl);

    /// <summary>The API root to configure the provider with.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>"METHOD path?query" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    private readonly ConcurrentDictionary<RecordWrite, (int Remaining, WriteFailure Failure)> _writeFaults = new();

    /// <summary>How a broken record write goes wrong: first held for <paramref name="Hold"/> (a client has usually given
    /// up by then), then answered with the error envelope, or, with <paramref name="Status"/> 0, carried out and
    /// answered, so the record changes while its answer is lost.</summary>
    public sealed record WriteFailure(int Status, int Code, string Message, TimeSpan Hold = default);

    public enum RecordWrite
    {
        Create,
        Delete,
    }

    /// <summary>The next <paramref name="count"/> record creations fail with Cloudflare's error envelope.</summary>
    public void FailNextCreates(int count, int status, int code, string message) =>
        FailNextWrites(RecordWrite.Create, count, new WriteFailure(status, code, message));

    /// <summary>The next <paramref name="count"/> writes of this kind go wrong as <paramref name="failure"/> says.</summary>
    public void FailNextWrites(RecordWrite write, int count, WriteFailure failure) => _writeFaults[write] = (count, failure);

    /// <summary>Broken writes so far.</summary>
    public int FailedWrites => Volatile.Read(ref _failedWrites);

    private int _failedWrites;

    /// <summary>Called after a record is created or deleted, with the record name and the contents now held under it.</summary>
    public Func<string, IReadOnlyList<string>, Task>? RecordsChanged { get; set; }

    public IReadOnlyList<Record> Records
    {
        get
        {
            lock (_records)
                return [.. _records];
        }
    }

    /// <summary>A fake that accepts only this API token.</summary>
    public static Task<CloudflareFakeApi> StartWithTokenAsync(string token) => StartAsync(token, null);

    /// <summary>A fake that accepts only this email and global API key.</summary>
    public static Task<CloudflareFakeApi> StartWithGlobalKeyAsync(string email, string key) => StartAsync(null, (email, key));

    public string AddZone(string name) => _zoneIds.GetOrAdd(name, _ => NewId());

    /// <summary>Stores a TXT record as if made elsewhere, e.g. with the quoted content Cloudflare returns since late 2024.</summary>
    public void AddRecord(string zone, string name, string content)
    {
        lock (_records)
            _records.Add(new Record(NewId(), _zoneIds[zone], name, content, 60));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (!Violations.IsEmpty)
            throw new InvalidOperationException("requests outside Cloudflare's documented API:\n" + string.Join("\n", Violations));
    }

    private static async Task<CloudflareFakeApi> StartAsync(string? token, (string, string)? globalKey)
    {
        var app = LoopbackWebServer.Build();
        var api = new CloudflareFakeApi(app, token, globalKey);
        app.Run(api.HandleAsync);
        api.BaseUrl = (await app.StartListeningAsync())[0].GetLeftPart(UriPartial.Authority) + PathPrefix;
        return api;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        var (status, body) = await AnswerAsync(request);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private async Task<(int, JsonObject)> AnswerAsync(HttpRequest request)
    {
        if (!request.Path.StartsWithSegments(PathPrefix, out var rest))
            return Violation(request, "path outside the API root");
        var segments = rest.Value!.Trim('/').Split('/');
        if (AuthProblem(request) is { } authProblem)
            return authProblem;

        return (request.Method, segments) switch
        {
            ("GET", ["zones"]) => ListZones(request),
            ("GET", ["zones", var zoneId, "dns_records"]) => ListRecords(request, zoneId),
            ("POST", ["zones", var zoneId, "dns_records"]) => await CreateRecordAsync(request, zoneId),
            ("DELETE", ["zones", var zoneId, "dns_records", var recordId]) => await DeleteRecordAsync(request, zoneId, recordId),
            _ => Violation(request, "not an endpoint a DNS-01 solver uses"),
        };
    }

    private (int, JsonObject)? AuthProblem(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var email = request.Headers["X-Auth-Email"].ToString();
        var key = request.Headers["X-Auth-Key"].ToString();
        if (authorization.Length > 0 && (email.Length > 0 || key.Length > 0))
            return Violation(request, "both a bearer token and X-Auth-Email/X-Auth-Key");
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
                return Violation(request, $"Authorization \"{authorization}\" is not \"Bearer <token>\"");
            return _token is not null && authorization == $"Bearer {_token}" ? null : AuthenticationError();
        }
        if (email.Length == 0 || key.Length == 0)
            return Violation(request, "no Authorization bearer token and no X-Auth-Email + X-Auth-Key pair");
        return _globalKey is { } expected && email == expected.Email && key == expected.Key ? null : AuthenticationError();
    }

    private (int, JsonObject) ListZones(HttpRequest request)
    {
        if ((NoBodyProblem(request) ?? QueryProblem(request, ZoneQueryKeys, "name")) is { } problem)
            return problem;
        var name = request.Query["name"].ToString();
        var zones = _zoneIds.TryGetValue(name, out var id)
            ? new JsonArray(new JsonObject { ["id"] = id, ["name"] = name.ToLowerInvariant(), ["status"] = "active" })
            : [];
        return Success(zones, listed: zones.Count);
    }

    private (int, JsonObject) ListRecords(HttpRequest request, string zoneId)
    {
        if ((NoBodyProblem(request) ?? QueryProblem(request, RecordQueryKeys, "type", "name") ?? ZoneProblem(request, zoneId)) is { } problem)
            return problem;
        if (request.Query["type"] != "TXT")
            return Violation(request, $"type={request.Query["type"]}, a DNS-01 solver lists TXT");
        if (request.Query["per_page"] is { Count: > 0 } perPage && !(int.TryParse(perPage, out var size) && size is >= 5 and <= 5_000_000))
            return Violation(request, $"per_page={perPage} is outside 5..5000000");
        var name = request.Query["name"].ToString();
        if (name.EndsWith('.'))
            return Violation(request, "record names have no trailing dot");
        var matches = new JsonArray([.. Records.Where(record => record.ZoneId == zoneId && record.Name == name).Select(RecordJson)]);
        return Success(matches, listed: matches.Count);
    }

    private async Task<(int, JsonObject)> CreateRecordAsync(HttpRequest request, string zoneId)
    {
        if (ZoneProblem(request, zoneId) is { } zoneProblem)
            return zoneProblem;
        if (request.QueryString.HasValue)
            return Violation(request, "create takes no query");
        if (await BrokenWriteAsync(RecordWrite.Create) is { } createFailure)
            return createFailure;
        if (request.ContentType?.Split(';')[0].Trim() != "application/json")
            return Violation(request, $"Content-Type \"{request.ContentType}\" is not application/json");
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) as JsonObject;
        }
        catch (JsonException exception)
        {
            return Violation(request, $"body is not JSON: {exception.Message}");
        }
        if (body is null)
            return Violation(request, "body is not a JSON object");
        if (body.Select(field => field.Key).FirstOrDefault(field => !CreateFields.Contains(field)) is { } unknown)
            return Violation(request, $"undocumented field \"{unknown}\"");
        if (StringField(body, "type") != "TXT")
            return Violation(request, "\"type\" must be the string \"TXT\"");
        if (StringField(body, "name") is not { } name || name.EndsWith('.'))
            return Violation(request, "\"name\" must be a string without a trailing dot");
        if (StringField(body, "content") is not { } content)
            return Violation(request, "\"content\" must be a string");
        if (body["ttl"] is not JsonValue ttlValue || ttlValue.GetValueKind() != JsonValueKind.Number
            || !ttlValue.TryGetValue<int>(out var ttl) || !(ttl == 1 || ttl is >= 60 and <= 86400))
            return Violation(request, "\"ttl\" must be a number: 1 (automatic) or 60..86400");
        var zoneName = _zoneIds.Single(zone => zone.Value == zoneId).Key;
        if (name != zoneName && !name.EndsWith("." + zoneName, StringComparison.OrdinalIgnoreCase))
            return Violation(request, $"\"name\" {name} is outside zone {zoneName}");
        if (Records.Any(record => record.ZoneId == zoneId && record.Name == name && record.Content.Trim('"') == content.Trim('"')))
            return Failure(400, 81058, "An identical record already exists.");

        var created = new Record(NewId(), zoneId, name, content, ttl);
        lock (_records)
            _records.Add(created);
        await NotifyAsync(name);
        return Success(RecordJson(created));
    }

    private async Task<(int, JsonObject)> DeleteRecordAsync(HttpRequest request, string zoneId, string recordId)
    {
        if ((NoBodyProblem(request) ?? ZoneProblem(request, zoneId)) is { } problem)
            return problem;
        if (request.QueryString.HasValue)
            return Violation(request, "delete takes no query");
        if (await BrokenWriteAsync(RecordWrite.Delete) is { } deleteFailure)
            return deleteFailure;
        Record? removed;
        lock (_records)
        {
            removed = _records.FirstOrDefault(record => record.ZoneId == zoneId && record.Id == recordId);
            if (removed is null)
                return Failure(404, 81044, "Record does not exist.");
            _records.Remove(removed);
        }
        await NotifyAsync(removed.Name);
        return Success(new JsonObject { ["id"] = recordId });
    }

    /// <summary>The failure answer for this write, or null to carry it out (after holding it, for a held write).</summary>
    private async Task<(int, JsonObject)?> BrokenWriteAsync(RecordWrite write)
    {
        WriteFailure? failure = null;
        _writeFaults.AddOrUpdate(write, _ => (0, null!), (_, fault) =>
        {
            failure = fault.Remaining > 0 ? fault.Failure : null;
            return (Math.Max(0, fault.Remaining - 1), fault.Failure);
        });
        if (failure is null)
            return null;
        Interlocked.Increment(ref _failedWrites);
        await Task.Delay(failure.Hold);
        return failure.Status == 0 ? null : Failure(failure.Status, failure.Code, failure.Message);
    }

    private Task NotifyAsync(string name) =>
        RecordsChanged?.Invoke(name, [.. Records.Where(r => r.Name == name).Select(r => r.Content.Trim('"'))]) ?? Task.CompletedTask;

    private (int, JsonObject)? ZoneProblem(HttpRequest request, string zoneId) =>
        _zoneIds.Values.Contains(zoneId) ? null : Violation(request, $"zone id {zoneId} was never returned by GET /zones");

    private (int, JsonObject)? QueryProblem(HttpRequest request, HashSet<string> allowed, params string[] required)
    {
        if (request.Query.Keys.FirstOrDefault(key => !allowed.Contains(key)) is { } unknown)
            return Violation(request, $"undocumented query parameter \"{unknown}\"");
        if (required.FirstOrDefault(key => request.Query[key] is not { Count: 1 } values || string.IsNullOrEmpty(values)) is { } missing)
            return Violation(request, $"query parameter \"{missing}\" missing or repeated");
        return null;
    }

    private (int, JsonObject)? NoBodyProblem(HttpRequest request) =>
        request.ContentLength is null or 0 && !request.Headers.ContainsKey("Transfer-Encoding")
            ? null
            : Violation(request, $"{request.Method} takes no body");

    private (int, JsonObject) Violation(HttpRequest request, string problem)
    {
        Violations.Enqueue($"{request.Method} {request.Path}{request.QueryString}: {problem}");
        return Failure(400, 9999, $"fake Cloudflare: {problem}");
    }

    private static (int, JsonObject) AuthenticationError() => Failure(403, 10000, "Authentication error");

    private static (int, JsonObject) Failure(int status, int code, string message) => (status, new JsonObject
    {
        ["success"] = false,
        ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }),
        ["messages"] = new JsonArray(),
        ["result"] = null,
    });

    private static (int, JsonObject) Success(JsonNode result, int? listed = null)
    {
        var envelope = new JsonObject
        {
            ["success"] = true,
            ["errors"] = new JsonArray(),
            ["messages"] = new JsonArray(),
            ["result"] = result,
        };
        if (listed is { } count)
            envelope["result_info"] = new JsonObject
            {
                ["page"] = 1, ["per_page"] = 100, ["count"] = count, ["total_count"] = count, ["total_pages"] = 1,
            };
        return (200, envelope);
    }

    private static JsonObject RecordJson(Record record) => new()
    {
        ["id"] = record.Id,
        ["type"] = "TXT",
        ["name"] = record.Name,
        ["content"] = record.Content,
        ["ttl"] = record.Ttl,
        ["proxied"] = false,
        ["proxiable"] = false,
    };

    private static string? StringField(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
