using System.Security.Cryptography;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge.Events;

/// <summary>
/// Decides, as Kubernetes' event recorder does, whether an event becomes a new Event, a count bump on an earlier
/// one, or nothing: the same (object, type, reason, message) within <see cref="AggregationWindow"/> is one Event with
/// a count, and each object may emit a burst of 25 Events and then one per five minutes. Memory is bounded by
/// <see cref="MaxTracked"/> per table. Thread-safe.
/// </summary>
public sealed class EventCorrelator(TimeProvider time)
{
    public static readonly TimeSpan AggregationWindow = TimeSpan.FromMinutes(10);
    public const int SpamBurst = 25;
    public static readonly TimeSpan SpamRefillInterval = TimeSpan.FromMinutes(5);
    public const int MaxTracked = 4096;

    /// <summary>Cluster-scoped objects have their Events in "default", as in Kubernetes.</summary>
    public const string ClusterScopedEventNamespace = "default";

    // A full table of buckets all in use is swept again only after this: sweeping it for every event of every new
    // object (thousands of Certificates issued at once) scanned all of it under the lock each time.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<SpamKey, TokenBucket> _buckets = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;
    private readonly Dictionary<OccurrenceKey, Occurrence> _occurrences = new();
    private readonly Lock _lock = new();

    public EventDecision Decide(EventRecord record)
    {
        var now = time.GetUtcNow();
        var eventNamespace = record.Object.IsClusterScoped ? ClusterScopedEventNamespace : record.Object.Namespace;
        lock (_lock)
        {
            if (!TakeToken(new SpamKey(record.Kind.Kind, record.Object, record.ObjectUid), now))
                return new EventDecision(EventAction.Drop, eventNamespace, "", 0, now, now);

            var key = new OccurrenceKey(record.Kind.Kind, record.Object, record.ObjectUid, record.Type, record.Reason,
                record.Message, record.Component);
            if (_occurrences.TryGetValue(key, out var seen) && now - seen.LastTimestamp <= AggregationWindow)
            {
                var repeated = seen with { Count = seen.Count + 1, LastTimestamp = now };
                _occurrences[key] = repeated;
                return new EventDecision(EventAction.Increment, eventNamespace, repeated.Name, repeated.Count,
                    repeated.FirstTimestamp, now);
            }

            var first = new Occurrence(NewEventName(record.Object.Name), 1, now, now);
            _occurrences[key] = first;
            TrimOccurrences(now);
            return new EventDecision(EventAction.Create, eventNamespace, first.Name, 1, now, now);
        }
    }

    private bool TakeToken(SpamKey key, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxTracked && now >= _nextSweep)
            {
                // Full buckets behave exactly like new ones; dropping them loses nothing.
                foreach (var idle in _buckets.Where(entry => entry.Value.IsFull(now)).Select(entry => entry.Key).ToList())
                    _buckets.Remove(idle);
                _nextSweep = now + SweepInterval;
            }
            bucket = new TokenBucket(SpamBurst, SpamRefillInterval, now);
            if (_buckets.Count < MaxTracked)
                _buckets[key] = bucket;
        }
        return bucket.TryTake(now);
    }

    private void TrimOccurrences(DateTimeOffset now)
    {
        if (_occurrences.Count <= MaxTracked)
            return;
        foreach (var expired in _occurrences.Where(entry => now - entry.Value.LastTimestamp > AggregationWindow)
                     .Select(entry => entry.Key).ToList())
            _occurrences.Remove(expired);
        // Still too many recent ones: forget the oldest half; a repeat of those starts a new Event.
        if (_occurrences.Count > MaxTracked)
        {
            foreach (var oldest in _occurrences.OrderBy(entry => entry.Value.LastTimestamp).Take(_occurrences.Count / 2)
                         .Select(entry => entry.Key).ToList())
                _occurrences.Remove(oldest);
        }
    }

    /// <summary>"&lt;object name&gt;.&lt;16 hex digits&gt;", as Kubernetes names Events.</summary>
    private static string NewEventName(string objectName) =>
        $"{objectName}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    private readonly record struct SpamKey(string Kind, ObjectKey Object, string? Uid);

    private readonly record struct OccurrenceKey(string Kind, ObjectKey Object, string? Uid, string Type, string Reason,
        string Message, string Component);

    private sealed record Occurrence(string Name, int Count, DateTimeOffset FirstTimestamp, DateTimeOffset LastTimestamp);
}
