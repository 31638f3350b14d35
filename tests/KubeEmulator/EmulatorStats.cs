using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator;

/// <summary>Counters of the emulator's work since it started, for tests and benchmarks.</summary>
public sealed class EmulatorStats
{
    private readonly ObjectStore _store;
    private readonly long _revisionAtStart;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private long _requests;
    private long _reads;
    private long _writes;
    private long _watchesStarted;
    private long _activeWatches;
    private long _watchEventsSent;
    private long _faultsInjected;
    private readonly ConcurrentDictionary<string, long> _writesByTarget = new();

    internal EmulatorStats(ObjectStore store)
    {
        _store = store;
        _revisionAtStart = store.CurrentRevision;
    }

    /// <summary>API requests received (every verb, including rejected ones).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>get and list requests.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>create, update, patch, delete and deletecollection requests.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Writes by verb and resource ("patch certificates/status"), to see where a workload's writes go.</summary>
    public IReadOnlyDictionary<string, long> WritesByTarget => new Dictionary<string, long>(_writesByTarget);

    /// <summary>Writes that changed something (each took a new resourceVersion).</summary>
    public long Commits => _store.CurrentRevision - _revisionAtStart;

    /// <summary>Watch requests accepted.</summary>
    public long WatchesStarted => Interlocked.Read(ref _watchesStarted);

    /// <summary>Watch streams open now.</summary>
    public long ActiveWatches => Interlocked.Read(ref _activeWatches);

    /// <summary>Events written to watch streams (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).</summary>
    public long WatchEventsSent => Interlocked.Read(ref _watchEventsSent);

    /// <summary>Requests answered by an injected write fault.</summary>
    public long FaultsInjected => Interlocked.Read(ref _faultsInjected);

    /// <summary>Time since the emulator started.</summary>
    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>The counters as the JSON that GET /emulator/stats answers.</summary>
    public string ToJson()
    {
        var uptime = Uptime.TotalSeconds;
        return new JsonObject
        {
            ["requests"] = Requests,
            ["reads"] = Reads,
            ["writes"] = Writes,
            ["commits"] = Commits,
            ["watchesStarted"] = WatchesStarted,
            ["activeWatches"] = ActiveWatches,
            ["watchEventsSent"] = WatchEventsSent,
            ["faultsInjected"] = FaultsInjected,
            ["uptimeSeconds"] = Math.Round(uptime, 3),
            ["writesPerSecond"] = uptime > 0 ? Math.Round(Writes / uptime, 1) : 0,
        }.ToJsonString();
    }

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    internal void CountRead() => Interlocked.Increment(ref _reads);

    internal void CountWrite(string verb, string resource, string? subresource)
    {
        Interlocked.Increment(ref _writes);
        _writesByTarget.AddOrUpdate(subresource is null ? $"{verb} {resource}" : $"{verb} {resource}/{subresource}", 1, (_, n) => n + 1);
    }

    internal void CountFault() => Interlocked.Increment(ref _faultsInjected);

    internal void CountWatchEvents(int count) => Interlocked.Add(ref _watchEventsSent, count);

    internal void WatchOpened()
    {
        Interlocked.Increment(ref _watchesStarted);
        Interlocked.Increment(ref _activeWatches);
    }

    internal void WatchClosed() => Interlocked.Decrement(ref _activeWatches);
}
