using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CertFleet.TestSupport;

/// <summary>
/// What the DNS provider API fakes share: a loopback Kestrel app, the requests seen, the TXT values held per name, and
/// every request outside the vendor's documented shape recorded in <see cref="Violations"/>, which fails the test when
/// the fake is disposed. <see cref="RecordsChanged"/> lets a test publish the values where an ACME server looks.
/// </summary>
public abstract class DnsApiFake : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Who the vendor is, for messages.</summary>
    protected abstract string Vendor { get; }

    /// <summary>http://127.0.0.1:port, without a trailing slash.</summary>
    public string Root { get; private set; } = "";

    /// <summary>"METHOD path?query" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Called after the TXT values at a name (no trailing dot) changed, with the values now held there.</summary>
    public Func<string, IReadOnlyList<string>, Task>? RecordsChanged { get; set; }

    /// <summary>Requests refused for their credentials.</summary>
    public int Unauthenticated => Volatile.Read(ref _unauthenticated);

    private int _unauthenticated;

    protected async Task ListenAsync()
    {
        _app = LoopbackWebServer.Build();
        _app.Run(async context =>
        {
            var request = context.Request;
            request.EnableBuffering();
            Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
            var (status, body) = await AnswerAsync(context);
            context.Response.StatusCode = status;
            if (body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body.ToJsonString());
            }
        });
        Root = (await _app.StartListeningAsync())[0].GetLeftPart(UriPartial.Authority);
    }

    /// <summary>The status and JSON body (null: none) of one request.</summary>
    protected abstract Task<(int Status, JsonNode? Body)> AnswerAsync(HttpContext context);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        GC.SuppressFinalize(this);
        if (!Violations.IsEmpty)
            throw new InvalidOperationException($"requests outside {Vendor}'s documented API:\n" + string.Join("\n", Violations));
    }

    protected (int, JsonNode?) Violation(HttpRequest request, string problem, int status = 400)
    {
        Violations.Enqueue($"{request.Method} {request.Path}{request.QueryString}: {problem}");
        return (status, new JsonObject { ["fake"] = $"{Vendor}: {problem}" });
    }

    protected void CountUnauthenticated() => Interlocked.Increment(ref _unauthenticated);

    protected Task NotifyAsync(string name, IReadOnlyList<string> values) =>
        RecordsChanged?.Invoke(name.TrimEnd('.'), values) ?? Task.CompletedTask;

    /// <summary>The body as a JSON object, or a violation saying why it is not one (Content-Type checked too).</summary>
    protected async Task<(JsonObject? Body, (int, JsonNode?)? Problem)> JsonBodyAsync(HttpRequest request)
    {
        if (request.ContentType?.Split(';')[0].Trim() != "application/json")
            return (null, Violation(request, $"Content-Type \"{request.ContentType}\" is not application/json"));
        try
        {
            request.Body.Position = 0;
            if (JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) is JsonObject body)
                return (body, null);
            return (null, Violation(request, "body is not a JSON object"));
        }
        catch (JsonException exception)
        {
            return (null, Violation(request, $"body is not JSON: {exception.Message}"));
        }
    }

    protected (int, JsonNode?)? NoBodyProblem(HttpRequest request) =>
        request.ContentLength is null or 0 && !request.Headers.ContainsKey("Transfer-Encoding")
            ? null
            : Violation(request, $"{request.Method} takes no body");

    /// <summary>Fields not in <paramref name="allowed"/>, or a required one missing, as a violation.</summary>
    protected (int, JsonNode?)? FieldsProblem(HttpRequest request, JsonObject body, IReadOnlySet<string> allowed, params string[] required)
    {
        if (body.Select(field => field.Key).FirstOrDefault(field => !allowed.Contains(field)) is { } unknown)
            return Violation(request, $"undocumented field \"{unknown}\"");
        if (required.FirstOrDefault(field => !body.ContainsKey(field)) is { } missing)
            return Violation(request, $"required field \"{missing}\" missing");
        return null;
    }

    protected static string? StringField(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    protected static int? IntField(JsonObject body, string field) =>
        body[field] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number) ? number : null;
}
