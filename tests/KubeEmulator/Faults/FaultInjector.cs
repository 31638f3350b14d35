using CertFleet.KubeEmulator.Api;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator;

/// <summary>The next <see cref="Count"/> writes matching this answer <see cref="StatusCode"/> (409, 429, 500 or 503).</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Resource">Plural resource ("secrets"); "secrets/status" matches only writes to that subresource.</param>
public sealed record WriteFault(string Group, string Resource, int StatusCode, int Count = 1)
{
    /// <summary>Only writes in this namespace (any when null).</summary>
    public string? Namespace { get; init; }

    /// <summary>Only writes to the object with this name (any when null).</summary>
    public string? Name { get; init; }

    /// <summary>Only this verb: create, update, patch, delete or deletecollection (any when null).</summary>
    public string? Verb { get; init; }

    /// <summary>For 429 and 503: the Retry-After header and details.retryAfterSeconds the apiserver sends (none when null).</summary>
    public int? RetryAfterSeconds { get; init; }
}

/// <summary>The server's clock: the system's, skewed by <see cref="Offset"/> (an apiserver whose clock is off).</summary>
internal sealed class SkewedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>How <see cref="FaultInjector.BreakWatches"/> ends open watches.</summary>
public enum WatchBreak
{
    /// <summary>An ERROR event with a 410 Expired Status, then the end of the stream.</summary>
    Expire,

    /// <summary>The connection breaks mid-stream.</summary>
    Cut,
}

/// <summary>Failures on demand: failing writes, broken watches, added latency, a skewed clock and an unreachable server.</summary>
public sealed class FaultInjector
{
    private static readonly int[] SupportedCodes = [409, 429, 500, 503];

    private readonly Lock _gate = new();
    private readonly List<(WriteFault Fault, int Remaining)> _writeFaults = [];
    private readonly ObjectStore _store;
    private readonly SkewedClock _clock;
    private long _latencyTicks;
    private long _unreachableUntil;

    internal FaultInjector(ObjectStore store, SkewedClock clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>How far the timestamps the server writes (creationTimestamp, deletionTimestamp) are from the real time.</summary>
    public TimeSpan ClockOffset
    {
        get => _clock.Offset;
        set => _clock.Offset = value;
    }

    /// <summary>Delay added before every API request is handled.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>
    /// For <paramref name="duration"/> the server is gone as far as clients can tell: every open watch breaks, and every
    /// request (the admin endpoints excepted) has its connection aborted without an answer, as when the API server is
    /// down or cut off. Zero ends an outage early.
    /// </summary>
    public int MakeUnreachable(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            throw new ArgumentException("an outage cannot last less than nothing", nameof(duration));
        }
        Interlocked.Exchange(ref _unreachableUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);
        return duration > TimeSpan.Zero ? _store.BreakAllWatches() : 0;
    }

    /// <summary>Whether an outage set by <see cref="MakeUnreachable"/> lasts now.</summary>
    public bool IsUnreachable => Environment.TickCount64 < Interlocked.Read(ref _unreachableUntil);

    /// <summary>Makes the next matching writes fail.</summary>
    public void FailWrites(WriteFault fault)
    {
        if (!SupportedCodes.Contains(fault.StatusCode))
        {
            throw new ArgumentException($"status code must be one of {string.Join(", ", SupportedCodes)}", nameof(fault));
        }
        if (fault.RetryAfterSeconds is { } seconds && (seconds < 1 || fault.StatusCode is not (429 or 503)))
        {
            throw new ArgumentException("retryAfterSeconds must be at least 1, and only with 429 or 503", nameof(fault));
        }
        if (fault.Count < 1)
        {
            throw new ArgumentException("count must be at least 1", nameof(fault));
        }
        lock (_gate)
        {
            _writeFaults.Add((fault, fault.Count));
        }
    }

    /// <summary>Ends every open watch on a resource; returns how many were open.</summary>
    public int BreakWatches(string group, string resource, WatchBreak how)
    {
        var groupResource = group.Length == 0 ? resource : $"{resource}.{group}";
        return _store.Bucket(groupResource).BreakWatches(how == WatchBreak.Expire);
    }

    /// <summary>Removes pending write faults, latency, clock skew and an outage.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _writeFaults.Clear();
        }
        Interlocked.Exchange(ref _unreachableUntil, 0);
        Latency = TimeSpan.Zero;
        ClockOffset = TimeSpan.Zero;
    }

    /// <summary>The error for this write if a fault claims it (each claim uses up one of the fault's count).</summary>
    internal ApiError? TakeWriteFault(string group, string plural, string? subresource, string ns, string name, string verb)
    {
        lock (_gate)
        {
            for (var i = 0; i < _writeFaults.Count; i++)
            {
                var (fault, remaining) = _writeFaults[i];
                if (!Matches(fault, group, plural, subresource, ns, name, verb))
                {
                    continue;
                }
                if (remaining <= 1)
                {
                    _writeFaults.RemoveAt(i);
                }
                else
                {
                    _writeFaults[i] = (fault, remaining - 1);
                }
                return Error(fault.StatusCode, group, plural, name, fault.RetryAfterSeconds);
            }
        }
        return null;
    }

    private static bool Matches(WriteFault fault, string group, string plural, string? subresource, string ns, string name, string verb)
    {
        var resource = fault.Resource.Split('/', 2);
        return fault.Group == group && resource[0] == plural &&
               (resource.Length == 1 || resource[1] == subresource) &&
               (fault.Namespace is null || fault.Namespace == ns) &&
               (fault.Name is null || fault.Name == name) &&
               (fault.Verb is null || string.Equals(fault.Verb, verb, StringComparison.OrdinalIgnoreCase));
    }

    private static ApiError Error(int code, string group, string plural, string name, int? retryAfterSeconds) => code switch
    {
        409 => ApiError.StaleResourceVersion(group, plural, name),
        429 => new ApiError(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later (injected fault)",
            RetryAfter(retryAfterSeconds)) { RetryAfterSeconds = retryAfterSeconds },
        503 => new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request (injected fault)",
            RetryAfter(retryAfterSeconds)) { RetryAfterSeconds = retryAfterSeconds },
        _ => ApiError.Internal("injected fault"),
    };

    private static JsonObject? RetryAfter(int? seconds) =>
        seconds is { } s ? new JsonObject { ["retryAfterSeconds"] = s } : null;
}
