using System.Net.Http.Headers;

namespace CertFleet.Providers.Acme;

/// <summary>Reads Retry-After in either form (delta seconds or HTTP date) and clamps it, since CAs send extremes.</summary>
public static class RetryAfterHeader
{
    /// <summary>Null when absent or unparseable; otherwise the delay from <paramref name="now"/>, within [min, max].</summary>
    public static TimeSpan? Parse(HttpResponseHeaders headers, DateTimeOffset now, TimeSpan min, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var value = headers.RetryAfter;
        TimeSpan? delay = value?.Delta ?? (value?.Date is { } date ? date - now : null);
        return delay is { } d ? Clamp(d, min, max) : null;
    }

    private static TimeSpan Clamp(TimeSpan delay, TimeSpan min, TimeSpan max) =>
        delay < min ? min : delay > max ? max : delay;
}
