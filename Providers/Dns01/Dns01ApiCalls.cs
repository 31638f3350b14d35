using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

/// <summary>An API's answer: its status and its body as text (at most <see cref="BoundedBody.DefaultLimit"/>).</summary>
public sealed record Dns01ApiAnswer(HttpStatusCode Status, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body as JSON, or null when it is not JSON.</summary>
    public JsonNode? Json()
    {
        try
        {
            return Body.Length == 0 ? null : JsonNode.Parse(Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// What the JSON-over-HTTP DNS providers share: one time limit for a whole present or clean-up (below 30 s), answers read
/// through <see cref="BoundedBody"/>, and transport failures turned into a <see cref="Dns01ProviderException"/> naming the
/// provider and the step. The client should follow no redirects and decompress nothing (see <see cref="BoundedBody"/>).
/// </summary>
public sealed class Dns01ApiCalls(HttpClient http, string provider, TimeSpan timeout)
{
    public const int MaxShownErrorChars = 1024;

    public TimeSpan Timeout { get; } = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds, 100, 29_000));

    /// <summary>Runs one operation within <see cref="Timeout"/>; <paramref name="what"/> says what it was, for errors.</summary>
    public async Task RunAsync(string what, Func<CancellationToken, Task> operation, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Timeout);
        try
        {
            await operation(limit.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new Dns01ProviderException($"{provider}: {what}: no answer within {Timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or ResponseBodyRefusedException
                                      or JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new Dns01ProviderException($"{provider}: {what}: {BoundedBody.Excerpt(e.Message, MaxShownErrorChars)}", e);
        }
    }

    public async Task<Dns01ApiAnswer> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return new Dns01ApiAnswer(response.StatusCode,
            await BoundedBody.ReadStringAsync(response, BoundedBody.DefaultLimit, $"{provider}'s answer", ct));
    }

    /// <summary>A JSON body, UTF-8, Content-Type application/json.</summary>
    public static HttpContent JsonBody(JsonNode body) =>
        new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)) { Headers = { { "Content-Type", "application/json" } } };

    /// <summary>A failed answer as a provider error: the step, the status and the API's own message.</summary>
    public Dns01ProviderException Failure(string what, Dns01ApiAnswer answer, string? apiMessage) => new(
        $"{provider}: {what}: HTTP {(int)answer.Status}: {BoundedBody.Excerpt(apiMessage is { Length: > 0 } ? apiMessage : answer.Body.Length > 0 ? answer.Body : answer.Status.ToString(), MaxShownErrorChars)}");

    /// <summary>The candidate zones of a name, itself first, then each parent with at least two labels.</summary>
    public static IEnumerable<string> ZoneCandidates(string name)
    {
        var labels = name.TrimEnd('.').Split('.');
        for (var first = 0; first <= labels.Length - 2; first++)
            yield return string.Join('.', labels[first..]);
    }
}
