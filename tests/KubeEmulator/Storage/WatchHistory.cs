namespace CertFleet.KubeEmulator.Storage;

/// <summary>
/// The last N changes of one resource, so a watch can resume from a resourceVersion. A resourceVersion older than
/// what is kept answers 410 Expired, as the apiserver's watch cache does. Not thread-safe: the owning bucket locks.
/// </summary>
internal sealed class WatchHistory(int capacity)
{
    private readonly WatchChange[] _ring = new WatchChange[Math.Max(1, capacity)];
    private int _start;
    private int _count;

    /// <summary>Every change at or below this resourceVersion is gone from the history.</summary>
    public long CompactedThrough { get; private set; }

    public void Append(WatchChange change)
    {
        if (_count == _ring.Length)
        {
            CompactedThrough = _ring[_start].ResourceVersion;
            _ring[_start] = change;
            _start = (_start + 1) % _ring.Length;
            return;
        }
        _ring[(_start + _count) % _ring.Length] = change;
        _count++;
    }

    /// <summary>The changes after <paramref name="resourceVersion"/>, or false when some of them are no longer kept.</summary>
    public bool TryReadAfter(long resourceVersion, List<WatchChange> changes)
    {
        if (resourceVersion < CompactedThrough)
        {
            return false;
        }
        for (var i = 0; i < _count; i++)
        {
            var change = _ring[(_start + i) % _ring.Length];
            if (change.ResourceVersion > resourceVersion)
            {
                changes.Add(change);
            }
        }
        return true;
    }

    /// <summary>Forgets everything up to <paramref name="resourceVersion"/>.</summary>
    public void Truncate(long resourceVersion)
    {
        Array.Clear(_ring);
        _start = 0;
        _count = 0;
        CompactedThrough = Math.Max(CompactedThrough, resourceVersion);
    }
}
