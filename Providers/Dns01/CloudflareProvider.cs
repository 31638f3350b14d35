using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

/// <summary>An Issuer's <c>dns01.cloudflare</c> solver with its secrets resolved: an API token, or an email and global API key.</summary>
public sealed record CloudflareSettings
{
    public const string DefaultBaseUrl = "https://api.cloudflare.com/client/v4";

    public string? ApiToken { get; init; }
    public string? Email { get; init; }
    public string? ApiKey { get; init; }

    /// <summary>API root without a trailing slash; tests point it at a fake.</summary>
    public string BaseUrl { get; init; } = DefaultBaseUrl;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Publishes DNS-01 TXT values through Cloudflare's API v4. The zone is found by asking for zones named like the
/// record and each of its parents; each value is its own TXT record, so apex and wildcard values coexist.
/// </summary>
public sealed class CloudflareProvider : IDns01Provider, IDisposable
{
    private const string SettingsPath = "spec.acme.solvers[].dns01.cloudflare";
    private const int RecordTtlSeconds = 60;

    private const int MaxShownErrorChars = 1024;

    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly TimeSpan _timeout;

    /// <param name="handler">Transport for the API calls, which should follow no redirects and decompress nothing (see
    /// <see cref="BoundedBody"/>); a handler like that when null.</param>
    /// <exception cref="ArgumentException">The credentials are not exactly one of a token or email + key.</exception>
    public CloudflareProvider(CloudflareSettings settings, HttpMessageHandler? handler = null)
    {
        var hasToken = !string.IsNullOrWhiteSpace(settings.ApiToken);
        var hasKey = !string.IsNullOrWhiteSpace(settings.ApiKey);
        var hasEmail = !string.IsNullOrWhiteSpace(settings.Email);
        if (hasToken == hasKey)
            throw new ArgumentException($"{SettingsPath}: set exactly one of apiTokenSecretRef or apiKeySecretRef");
        if (hasKey && !hasEmail)
            throw new ArgumentException($"{SettingsPath}.email is required with apiKeySecretRef");
        if (!Uri.TryCreate(settings.BaseUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"Cloudflare base URL \"{settings.BaseUrl}\" is not an absolute URL");

        _baseUrl = settings.BaseUrl.TrimEnd('/');
        // An injected handler is the caller's, shared across providers: it outlives this client.
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
            : new HttpClient(handler, disposeHandler: false);
        // Each call's own timeout covers reading the body too.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _timeout = TimeSpan.FromMilliseconds(Math.Clamp(settings.Timeout.TotalMilliseconds, 100, 29_000));
        if (hasToken)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiToken!.Trim());
        else
        {
            _http.DefaultRequestHeaders.Add("X-Auth-Email", settings.Email!.Trim());
            _http.DefaultRequestHeaders.Add("X-Auth-Key", settings.ApiKey!.Trim());
        }
    }

    public async Task PresentAsync(string fqdn, string value, CancellationToken ct = default)
    {
        var name = fqdn.TrimEnd('.');
        var zoneId = await FindZoneIdAsync(name, ct);
        if (await FindRecordAsync(zoneId, name, value, ct) is not null)
            return;
        var record = new RecordToCreate("TXT", name, value, RecordTtlSeconds);
        await SendAsync<CloudflareRecord>(HttpMethod.Post, $"/zones/{Escape(zoneId)}/dns_records",
            JsonContent.Create(record, CloudflareJson.Default.RecordToCreate), $"create TXT \"{value}\" at {name}", ct);
    }

    public async Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default)
    {
        var name = fqdn.TrimEnd('.');
        var zoneId = await FindZoneIdAsync(name, ct);
        var record = await FindRecordAsync(zoneId, name, value, ct);
        if (record is null)
            return;
        await SendAsync<JsonElement>(HttpMethod.Delete, $"/zones/{Escape(zoneId)}/dns_records/{Escape(record.Id)}", null,
            $"delete TXT \"{value}\" at {name}", ct);
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> FindZoneIdAsync(string name, CancellationToken ct)
    {
        var labels = name.Split('.');
        // A zone has at least two labels: Cloudflare does not host top-level domains.
        for (var first = 0; first <= labels.Length - 2; first++)
        {
            var candidate = string.Join('.', labels[first..]);
            var zones = await SendAsync<List<CloudflareZone>>(HttpMethod.Get, $"/zones?name={Escape(candidate)}", null,
                $"look up zone {candidate}", ct);
            var zone = zones.FirstOrDefault(zone => string.Equals(zone.Name, candidate, StringComparison.OrdinalIgnoreCase));
            if (zone is not null)
                return zone.Id;
        }
        throw new Dns01ProviderException($"cloudflare: no zone in this account contains {name}");
    }

    private async Task<CloudflareRecord?> FindRecordAsync(string zoneId, string name, string value, CancellationToken ct)
    {
        var records = await SendAsync<List<CloudflareRecord>>(HttpMethod.Get,
            $"/zones/{Escape(zoneId)}/dns_records?type=TXT&name={Escape(name)}&per_page=100", null, $"list TXT records at {name}", ct);
        // Since late 2024 Cloudflare may return TXT content wrapped in quotes.
        return records.FirstOrDefault(record => record.Content == value || record.Content == $"\"{value}\"");
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, string what, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _baseUrl + path) { Content = body };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var text = await BoundedBody.ReadStringAsync(response, BoundedBody.DefaultLimit, "Cloudflare's answer", timeout.Token);
            CloudflareEnvelope? envelope;
            try
            {
                envelope = JsonSerializer.Deserialize(text, CloudflareJson.Default.CloudflareEnvelope);
            }
            catch (JsonException)
            {
                envelope = null;
            }
            if (envelope is null)
                throw new Dns01ProviderException(
                    $"cloudflare: {what} failed: HTTP {(int)response.StatusCode} without Cloudflare's JSON envelope: {BoundedBody.Excerpt(text, 200)}");
            if (!envelope.Success || !response.IsSuccessStatusCode)
            {
                var errors = envelope.Errors is { Count: > 0 }
                    ? string.Join("; ", envelope.Errors.Select(error => $"{error.Code}: {error.Message}"))
                    : "no errors given";
                throw new Dns01ProviderException($"cloudflare: {what} failed: HTTP {(int)response.StatusCode}: {BoundedBody.Excerpt(errors, MaxShownErrorChars)}");
            }
            if (envelope.Result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
                throw new Dns01ProviderException($"cloudflare: {what} failed: the response has no result");
            return envelope.Result.Deserialize<T>(CloudflareJson.Default.Options)
                ?? throw new Dns01ProviderException($"cloudflare: {what} failed: the response has no result");
        }
        catch (OperationCanceledException exception) when (!ct.IsCancellationRequested)
        {
            throw new Dns01ProviderException($"cloudflare: {what} failed: no answer within {_timeout.TotalSeconds} s", exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidDataException or ResponseBodyRefusedException
                                              or JsonException or NotSupportedException)
        {
            throw new Dns01ProviderException($"cloudflare: {what} failed: {BoundedBody.Excerpt(exception.Message, MaxShownErrorChars)}", exception);
        }
    }

    private static string Escape(string text) => Uri.EscapeDataString(text);
}

internal sealed record CloudflareEnvelope(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("errors")] List<CloudflareError>? Errors,
    [property: JsonPropertyName("result")] JsonElement Result);

internal sealed record CloudflareError(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string? Message);

internal sealed record CloudflareZone(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name);

internal sealed record CloudflareRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("content")] string? Content);

internal sealed record RecordToCreate(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("ttl")] int Ttl);

[JsonSerializable(typeof(CloudflareEnvelope))]
[JsonSerializable(typeof(List<CloudflareZone>))]
[JsonSerializable(typeof(List<CloudflareRecord>))]
[JsonSerializable(typeof(CloudflareRecord))]
[JsonSerializable(typeof(RecordToCreate))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CloudflareJson : JsonSerializerContext;
