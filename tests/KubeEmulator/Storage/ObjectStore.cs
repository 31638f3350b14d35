using System.Collections.Concurrent;

namespace CertFleet.KubeEmulator.Storage;

/// <summary>
/// All objects, one bucket per resource, and the single resourceVersion counter they share. Each bucket takes
/// its revisions under its own lock, so every bucket's history is in resourceVersion order.
/// </summary>
internal sealed class ObjectStore(int historyPerResource)
{
    private readonly ConcurrentDictionary<string, ResourceBucket> _buckets = new(StringComparer.Ordinal);
    private readonly List<Action<WatchChange>> _subscribers = [];
    private long _revision;

    public ObjectIndex Index { get; } = new();

    public long CurrentRevision => Interlocked.Read(ref _revision);

    public long NextRevision() => Interlocked.Increment(ref _revision);

    public ResourceBucket Bucket(string groupResource) =>
        _buckets.GetOrAdd(groupResource, name => new ResourceBucket(this, name, historyPerResource));

    /// <summary>
    /// Adds a listener called after each commit, outside the bucket lock, on the committing thread.
    /// Listeners must be quick (queue work) and are registered before serving starts.
    /// </summary>
    public void Subscribe(Action<WatchChange> listener) => _subscribers.Add(listener);

    public void Publish(WatchChange change)
    {
        foreach (var listener in _subscribers)
        {
            listener(change);
        }
    }

    /// <summary>Forgets all watch history, so any watch resuming from an earlier resourceVersion gets 410.</summary>
    public void TruncateHistory()
    {
        var through = CurrentRevision;
        foreach (var bucket in _buckets.Values)
        {
            bucket.TruncateHistory(through);
        }
    }

    /// <summary>Breaks every open watch of every resource mid-stream; returns how many there were.</summary>
    public int BreakAllWatches() => _buckets.Values.Sum(bucket => bucket.BreakWatches(expire: false));
}
