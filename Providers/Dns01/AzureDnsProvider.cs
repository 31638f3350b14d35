using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using CertFleet.Providers.Http;

namespace CertFleet.Providers.Dns01;

public enum AzureDnsZoneType { AzurePublicZone, AzurePrivateZone }

public enum AzureDnsEnvironment { AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud }

/// <summary>cert-manager's <c>dns01.azureDNS</c>; the credential is built by the caller (see <see cref="AzureDnsCredentials"/>).</summary>
public sealed class AzureDnsSettings
{
    public required string SubscriptionId { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string HostedZoneName { get; init; }
    public required TokenCredential Credential { get; init; }
    public AzureDnsZoneType ZoneType { get; init; } = AzureDnsZoneType.AzurePublicZone;
    public AzureDnsEnvironment Environment { get; init; } = AzureDnsEnvironment.AzurePublicCloud;

    /// <summary>Null means the environment's Resource Manager endpoint. Must be https: bearer tokens are not sent over http.</summary>
    public Uri? ArmEndpoint { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Azure DNS (public or private zone) through raw ARM REST calls. Like cert-manager it reads the TXT record set, adds or
/// removes only its value and writes it back guarded by the ETag, re-reading when another writer got there first.
/// </summary>
public sealed class AzureDnsProvider : IDns01Provider
{
    private const int Ttl = 60;
    private const int MaxAttempts = 5;
    private const int MaxShownErrorChars = 1024;

    private readonly AzureDnsSettings _settings;
    private readonly HttpPipeline _pipeline;
    private readonly string _zone;
    private readonly bool _private;

    public AzureDnsProvider(AzureDnsSettings settings, HttpClient? http = null)
    {
        _settings = settings;
        _zone = settings.HostedZoneName.TrimEnd('.').ToLowerInvariant();
        _private = settings.ZoneType == AzureDnsZoneType.AzurePrivateZone;
        var options = new PipelineOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.NetworkTimeout = settings.Timeout;
        if (http is not null)
            options.Transport = new HttpClientTransport(http);
        options.AddPolicy(new AzureAnswerLimitPolicy("Azure DNS's answer"), HttpPipelinePosition.BeforeTransport);
        var scope = AzureDnsCredentials.Cloud(settings.Environment).Scope;
        _pipeline = HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(settings.Credential, scope));
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("present", fqdn, value, add: true, ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("cleanup", fqdn, value, add: false, ct);

    private async Task UpdateAsync(string operation, string fqdn, string value, bool add, CancellationToken ct)
    {
        var relative = RelativeName(fqdn);
        var uri = RecordSetUri(relative);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_settings.Timeout);
        try
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var (records, etag) = await ReadAsync(operation, relative, uri, timeout.Token);
                var present = records.Any(r => Joined(r) == value);
                if (present == add)
                    return;
                if (add)
                    records.Add([value]);
                else
                    records.RemoveAll(r => Joined(r) == value);

                using var message = _pipeline.CreateMessage();
                message.Request.Uri.Reset(uri);
                if (records.Count == 0)
                    message.Request.Method = RequestMethod.Delete;
                else
                {
                    message.Request.Method = RequestMethod.Put;
                    message.Request.Headers.Add("Content-Type", "application/json");
                    message.Request.Content = RequestContent.Create(Body(records));
                }
                if (etag is null)
                    message.Request.Headers.Add("If-None-Match", "*");
                else
                    message.Request.Headers.Add("If-Match", etag);

                await _pipeline.SendAsync(message, timeout.Token);
                var status = message.Response.Status;
                if (status is 200 or 201 or 202 or 204 || (status == 404 && records.Count == 0))
                    return;
                // Another writer changed the set since our read: read it again and redo our one change.
                if (status != 412)
                    throw Failure(operation, relative, message.Response);
            }
            throw new Dns01ProviderException($"azure dns: {operation} TXT {relative} in zone {_zone}: the record set kept changing under us ({MaxAttempts} ETag conflicts)");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new Dns01ProviderException($"azure dns: {operation} TXT {relative} in zone {_zone}: no answer within {_settings.Timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException
                                      or ResponseBodyRefusedException or InvalidDataException or JsonException or InvalidOperationException)
        {
            throw new Dns01ProviderException($"azure dns: {operation} TXT {relative} in zone {_zone}: {BoundedBody.Excerpt(Describe(e), MaxShownErrorChars)}", e);
        }
    }

    /// <summary>Azure.Identity's own message can end before the reason; Entra's answer (AADSTS…) is in the inner exception.</summary>
    private static string Describe(Exception e) =>
        e is Azure.Identity.AuthenticationFailedException { InnerException: { } inner } && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{e.Message.TrimEnd(' ', ':', '\n')}: {inner.Message}"
            : e.Message;

    /// <summary>The set's RRs (each a list of ≤255-character chunks) and its ETag; a missing set is empty with no ETag.</summary>
    private async Task<(List<List<string>> Records, string? ETag)> ReadAsync(string operation, string relative, Uri uri, CancellationToken ct)
    {
        using var message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(uri);
        await _pipeline.SendAsync(message, ct);
        if (message.Response.Status == 404)
            return ([], null);
        if (message.Response.Status != 200)
            throw Failure(operation, relative, message.Response);

        var json = JsonNode.Parse(message.Response.Content.ToString());
        var properties = json?["properties"];
        var records = properties?[_private ? "txtRecords" : "TXTRecords"]?.AsArray()
            .Select(r => r?["value"]?.AsArray().Select(v => v?.GetValue<string>() ?? "").ToList() ?? [])
            .ToList() ?? [];
        var etag = json?["etag"]?.GetValue<string>() ?? (message.Response.Headers.TryGetValue("ETag", out var header) ? header : null);
        return (records, etag);
    }

    private byte[] Body(List<List<string>> records)
    {
        var txt = new JsonArray(records.Select(r => (JsonNode)new JsonObject { ["value"] = new JsonArray(r.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) }).ToArray());
        // The two resource providers spell the same properties differently.
        var properties = _private
            ? new JsonObject { ["ttl"] = Ttl, ["txtRecords"] = txt }
            : new JsonObject { ["TTL"] = Ttl, ["TXTRecords"] = txt };
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["properties"] = properties });
    }

    private Uri RecordSetUri(string relative)
    {
        var arm = _settings.ArmEndpoint ?? AzureDnsCredentials.Cloud(_settings.Environment).Arm;
        var (provider, apiVersion) = _private ? ("privateDnsZones", "2020-06-01") : ("dnsZones", "2018-05-01");
        var path = $"subscriptions/{Uri.EscapeDataString(_settings.SubscriptionId)}/resourceGroups/{Uri.EscapeDataString(_settings.ResourceGroupName)}"
            + $"/providers/Microsoft.Network/{provider}/{Uri.EscapeDataString(_zone)}/TXT/{Uri.EscapeDataString(relative)}?api-version={apiVersion}";
        return new Uri(new Uri(arm.AbsoluteUri.TrimEnd('/') + "/"), path);
    }

    private string RelativeName(string fqdn)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        if (name == _zone)
            return "@";
        if (name.EndsWith("." + _zone, StringComparison.Ordinal))
            return name[..^(_zone.Length + 1)];
        throw new Dns01ProviderException($"azure dns: {fqdn} is not in zone {_zone}");
    }

    private Dns01ProviderException Failure(string operation, string relative, Azure.Response response)
    {
        var where = $"azure dns: {operation} TXT {relative} in zone {_zone}";
        // Azure.Core follows no redirects: one that reaches here is refused, saying where it pointed.
        if (response.Status is >= 300 and < 400)
            return new Dns01ProviderException(
                $"{where}: Azure DNS's answer was a redirect (HTTP {response.Status}) to {BoundedBody.Excerpt(response.Headers.TryGetValue("Location", out var location) ? location : "nowhere", 200)}, which CertFleet does not follow");
        string code = "", text = response.ReasonPhrase;
        try
        {
            var error = JsonNode.Parse(response.Content.ToString())?["error"];
            code = error?["code"]?.GetValue<string>() ?? "";
            text = error?["message"]?.GetValue<string>() ?? text;
        }
        catch (JsonException)
        {
        }
        return new Dns01ProviderException(
            $"{where}: {(code.Length > 0 ? BoundedBody.Excerpt(code, 200) + ": " : "")}{BoundedBody.Excerpt(text, MaxShownErrorChars)} (HTTP {response.Status})");
    }

    private static string Joined(List<string> chunks) => string.Concat(chunks);

    private sealed class PipelineOptions : ClientOptions;
}
