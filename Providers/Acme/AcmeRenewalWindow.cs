using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>
/// A renewalInfo answer (RFC 9773 §4.2): the window the CA suggests renewing in, an optional explanation, and when to
/// ask again (Retry-After, clamped to [<see cref="AcmeClientOptions.RenewalInfoMinRetryAfter"/>, <see cref="MaxRetryAfter"/>]).
/// </summary>
public sealed record AcmeRenewalWindow(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string? ExplanationUrl, TimeSpan RetryAfter)
{
    /// <summary>Used when the CA sends no Retry-After (Pebble and cert-manager assume 6 h).</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromHours(6);

    /// <summary>Longer hints are capped so a revocation is noticed within a week at worst.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(7);

    /// <summary>Reads the body; an <see cref="InvalidOperationException"/> names what is wrong with a malformed one.</summary>
    internal static AcmeRenewalWindow FromJson(JsonElement json, TimeSpan retryAfter)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("suggestedWindow", out var window) || window.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("renewal information without a suggestedWindow object");
        }
        var start = Time(window, "start");
        var end = Time(window, "end");
        if (end <= start)
        {
            throw new InvalidOperationException($"a suggestedWindow whose end ({end:O}) is not after its start ({start:O})");
        }
        return new AcmeRenewalWindow(start, end, AcmeJson.String(json, "explanationURL"), retryAfter);
    }

    private static DateTimeOffset Time(JsonElement window, string name) =>
        window.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time
            : throw new InvalidOperationException($"a suggestedWindow whose {name} is not an RFC 3339 time");
}
