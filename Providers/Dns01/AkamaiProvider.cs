using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CertFleet.Providers.Dns01;

/// <summary>cert-manager's <c>dns01.akamai</c> with its three secrets resolved.</summary>
public sealed record AkamaiSettings
{
    /// <summary>The API host of the client, e.g. akab-xxxx.luna.akamaiapis.net.</summary>
    public required string ServiceConsumerDomain { get; init; }
    public required AkamaiCredentials Credentials { get; init; }

    /// <summary>Replaces https://&lt;serviceConsumerDomain&gt;; tests point it at a fake.</summary>
    public Uri? Endpoint { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Akamai Edge DNS through its config-dns v2 record set API, every call EdgeGrid-signed. The zone is the longest
/// parent of the name that the account has; present adds its value to the TXT record set (creating it), clean-up
/// removes only its value and deletes the set once it is empty.
/// </summary>
public sealed class AkamaiProvider : IDns01Provider
{
    private const string Provider = "akamai";
    private const string Field = "spec.acme.solvers[].dns01.akamai";
    private const int Ttl = 60;
    private const int MaxAttempts = 5;
    // Edge DNS has no precondition on a record set write, and the apex and its wildcard share one set: writes to a name
    // from this process take turns (striped locks, bounded), and each write is read back after a pause, so that a
    // writer elsewhere that overwrote it from an older read is noticed and the value added or removed again.
    private static readonly SemaphoreSlim[] NameLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private static readonly TimeSpan ReadBackPause = TimeSpan.FromMilliseconds(500);

    private readonly AkamaiSettings _settings;
    private readonly Dns01ApiCalls _calls;
    private readonly Uri _endpoint;
    private readonly TimeProvider _time;

    /// <exception cref="ArgumentException">A field is empty or the host is not a host name; the message names it.</exception>
    public AkamaiProvider(AkamaiSettings settings, HttpClient http, TimeProvider? time = null)
    {
        foreach (var (value, field) in new[]
                 {
                     (settings.Credentials.ClientToken, "clientTokenSecretRef"), (settings.Credentials.ClientSecret, "clientSecretSecretRef"),
                     (settings.Credentials.AccessToken, "accessTokenSecretRef"),
                 })
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"{Field}.{field}: the Secret's value is empty; copy it from the API client's .edgerc section");
        var host = settings.ServiceConsumerDomain.Trim();
        if (settings.Endpoint is null && (host.Length == 0 || Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic))
            throw new ArgumentException($"{Field}.serviceConsumerDomain: \"{host}\" is not a host name; set the API client's host without scheme or path, e.g. akab-xxxx.luna.akamaiapis.net");
        _settings = settings;
        _endpoint = settings.Endpoint ?? new Uri($"https://{host}/");
        _calls = new Dns01ApiCalls(http, Provider, settings.Timeout);
        _time = time ?? TimeProvider.System;
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("add", fqdn, value, add: true, ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("remove", fqdn, value, add: false, ct);

    private Task UpdateAsync(string verb, string fqdn, string value, bool add, CancellationToken ct)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        var what = $"{verb} TXT \"{value}\" at {name}";
        return _calls.RunAsync(what, async token =>
        {
            var zone = await ZoneAsync(name, token);
            var path = $"config-dns/v2/zones/{Uri.EscapeDataString(zone)}/names/{Uri.EscapeDataString(name)}/types/TXT";
            var nameLock = NameLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(_endpoint.Authority + "/" + name) % (uint)NameLocks.Length)];
            await nameLock.WaitAsync(token);
            try
            {
                await WriteUntilReadBackAsync(what, path, name, value, add, token);
            }
            finally
            {
                nameLock.Release();
            }
        }, ct);
    }

    private async Task WriteUntilReadBackAsync(string what, string path, string name, string value, bool add, CancellationToken token)
    {
        for (var attempt = 0; ; attempt++)
        {
            var read = await SendAsync(HttpMethod.Get, path, null, token);
            List<string> rdata;
            if (read.Status == HttpStatusCode.NotFound)
                rdata = [];
            else if (read.IsSuccess)
                rdata = read.Json()?["rdata"]?.AsArray().Select(r => r?.GetValue<string>() ?? "").ToList()
                        ?? throw new Dns01ProviderException($"{Provider}: {what}: the record set has no rdata");
            else
                throw Failure($"{what}: read the record set", read);

            var exists = read.IsSuccess;
            var present = rdata.Any(r => Unquoted(r) == value);
            if (present == add)
                return;
            if (attempt == MaxAttempts)
                throw new Dns01ProviderException($"{Provider}: {what}: the record set kept changing under us ({MaxAttempts} attempts)");
            if (add)
                rdata.Add($"\"{value}\"");
            else
                rdata.RemoveAll(r => Unquoted(r) == value);

            var (method, body) = rdata.Count == 0
                ? (HttpMethod.Delete, null)
                : (exists ? HttpMethod.Put : HttpMethod.Post, new JsonObject
                {
                    ["name"] = name, ["type"] = "TXT", ["ttl"] = Ttl,
                    ["rdata"] = new JsonArray([.. rdata.Select(r => (JsonNode)JsonValue.Create(r))]),
                });
            var write = await SendAsync(method, path, body, token);
            if (write.IsSuccess || (method == HttpMethod.Delete && write.Status == HttpStatusCode.NotFound))
                await Task.Delay(ReadBackPause, token); // the next turn reads it back
            // Otherwise created or deleted by another writer since our read (409/404): the next turn reads again.
            else if (write.Status is not (HttpStatusCode.Conflict or HttpStatusCode.NotFound))
                throw Failure(what, write);
        }
    }

    /// <summary>The Edge DNS zone holding <paramref name="name"/>: the name itself or its longest parent.</summary>
    private async Task<string> ZoneAsync(string name, CancellationToken ct)
    {
        foreach (var candidate in Dns01ApiCalls.ZoneCandidates(name))
        {
            var answer = await SendAsync(HttpMethod.Get, $"config-dns/v2/zones/{Uri.EscapeDataString(candidate)}", null, ct);
            if (answer.Status == HttpStatusCode.NotFound)
                continue;
            if (!answer.IsSuccess)
                throw Failure($"look up zone {candidate}", answer);
            return candidate;
        }
        throw new Dns01ProviderException($"{Provider}: no Edge DNS zone this API client can see contains {name}; check the client's access to the zone");
    }

    private async Task<Dns01ApiAnswer> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        using var request = new HttpRequestMessage(method, new Uri(_endpoint, path));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        }
        request.Headers.TryAddWithoutValidation("Authorization", AkamaiEdgeGrid.Authorization(
            _settings.Credentials, method.Method, request.RequestUri!, bytes, _time.GetUtcNow(), Guid.NewGuid().ToString()));
        return await _calls.SendAsync(request, ct);
    }

    /// <summary>Akamai's errors are RFC 7807 problems: {"title", "detail", "status"}.</summary>
    private Dns01ProviderException Failure(string what, Dns01ApiAnswer answer)
    {
        var json = answer.Json();
        var detail = string.Join(": ", new[] { json?["title"], json?["detail"] }
            .Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>());
        if (answer.Status == HttpStatusCode.Unauthorized)
            detail += " (check the client token, client secret and access token in the akamai secret refs)";
        return _calls.Failure(what, answer, detail);
    }

    private static string Unquoted(string rdata) => rdata.Trim('"');
}
