using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Storage;

/// <summary>How a watch starts: the queue to read plus what to send first, or the 410 to send instead.</summary>
internal sealed record WatchStart(Watcher? Watcher, List<WatchMessage> Initial, string? ExpiredMessage);

/// <summary>
/// The objects of one resource (group + plural), its watch history and its watchers, under one lock. Writes are
/// compare-and-swap on the stored version, like etcd's GuaranteedUpdate: callers compute the next object outside
/// the lock and retry when someone else committed first.
/// </summary>
internal sealed class ResourceBucket(ObjectStore store, string groupResource, int historyCapacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, StoredObject> _objects = [];
    private readonly WatchHistory _history = new(historyCapacity);
    private readonly List<Watcher> _watchers = [];

    public string GroupResource { get; } = groupResource;

    public StoredObject? Get(ObjectKey key)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(key);
        }
    }

    /// <summary>Matching objects sorted by namespace and name, and the resourceVersion the list is consistent at.</summary>
    public (List<StoredObject> Items, long ResourceVersion) List(string? ns, Func<StoredObject, bool> matches)
    {
        List<StoredObject> items;
        long revision;
        lock (_gate)
        {
            items = _objects.Values.Where(o => (ns is null || o.Key.Namespace == ns) && matches(o)).ToList();
            revision = store.CurrentRevision;
        }
        items.Sort(static (a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.Key.Namespace, b.Key.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Key.Name, b.Key.Name);
        });
        return (items, revision);
    }

    public bool Any(string ns)
    {
        lock (_gate)
        {
            return _objects.Keys.Any(k => k.Namespace == ns);
        }
    }

    /// <summary>Stores a new object; false when its name is taken.</summary>
    public bool TryCreate(JsonObject obj, out StoredObject stored)
    {
        var key = new ObjectKey(ObjectMeta.Namespace(obj), ObjectMeta.Name(obj));
        WatchChange change;
        lock (_gate)
        {
            if (_objects.ContainsKey(key))
            {
                stored = null!;
                return false;
            }
            change = CommitLocked(key, obj, ChangeType.Added, null);
        }
        store.Publish(change);
        stored = change.Object;
        return true;
    }

    /// <summary>Replaces <paramref name="expected"/>; false when it is no longer the stored version.</summary>
    public bool TryUpdate(StoredObject expected, JsonObject next, out StoredObject stored)
    {
        WatchChange change;
        lock (_gate)
        {
            if (!ReferenceEquals(_objects.GetValueOrDefault(expected.Key), expected))
            {
                stored = null!;
                return false;
            }
            change = CommitLocked(expected.Key, next, ChangeType.Modified, expected);
        }
        store.Publish(change);
        stored = change.Object;
        return true;
    }

    /// <summary>Removes <paramref name="expected"/>, publishing <paramref name="lastState"/> as the deleted object.</summary>
    public bool TryDelete(StoredObject expected, JsonObject lastState, out StoredObject deleted)
    {
        WatchChange change;
        lock (_gate)
        {
            if (!ReferenceEquals(_objects.GetValueOrDefault(expected.Key), expected))
            {
                deleted = null!;
                return false;
            }
            change = CommitLocked(expected.Key, lastState, ChangeType.Deleted, expected);
        }
        store.Publish(change);
        deleted = change.Object;
        return true;
    }

    private WatchChange CommitLocked(ObjectKey key, JsonObject obj, ChangeType type, StoredObject? previous)
    {
        var revision = store.NextRevision();
        ObjectMeta.Of(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        var stored = new StoredObject(obj, revision);
        if (type == ChangeType.Deleted)
        {
            _objects.Remove(key);
        }
        else
        {
            _objects[key] = stored;
        }
        var change = new WatchChange(GroupResource, type, stored, previous);
        _history.Append(change);
        _watchers.RemoveAll(w => !w.Offer(change));
        store.Index.Apply(GroupResource, previous, type == ChangeType.Deleted ? null : stored);
        return change;
    }

    /// <summary>
    /// Registers a watcher and collects what it must see first: every matching object as ADDED when starting from
    /// nothing, or the history after <paramref name="fromRevision"/>. Both happen under the lock, so nothing is
    /// missed or repeated between the two.
    /// </summary>
    public WatchStart StartWatch(Watcher watcher, Func<StoredObject, bool> matches, long? fromRevision, bool initialEventsEnd)
    {
        var initial = new List<WatchMessage>();
        lock (_gate)
        {
            if (fromRevision is null)
            {
                initial.AddRange(_objects.Values
                    .Where(o => (watcher.Namespace is null || o.Key.Namespace == watcher.Namespace) && matches(o))
                    .OrderBy(o => o.Key.Namespace, StringComparer.Ordinal)
                    .ThenBy(o => o.Key.Name, StringComparer.Ordinal)
                    .Select(o => new ObjectMessage("ADDED", o)));
                if (initialEventsEnd)
                {
                    initial.Add(new BookmarkMessage(store.CurrentRevision, InitialEventsEnd: true));
                }
            }
            else
            {
                var changes = new List<WatchChange>();
                if (!_history.TryReadAfter(fromRevision.Value, changes))
                {
                    return new WatchStart(null, initial,
                        $"too old resource version: {fromRevision.Value} ({_history.CompactedThrough})");
                }
                initial.AddRange(changes.Select(watcher.Translate).OfType<ObjectMessage>());
            }
            _watchers.Add(watcher);
        }
        return new WatchStart(watcher, initial, null);
    }

    public void StopWatch(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>Queues a bookmark at the current resourceVersion behind every change already queued.</summary>
    public void OfferBookmark(Watcher watcher)
    {
        lock (_gate)
        {
            if (_watchers.Contains(watcher) && !watcher.Enqueue(new BookmarkMessage(store.CurrentRevision, false)))
            {
                _watchers.Remove(watcher);
            }
        }
    }

    /// <summary>Ends every open watch with a 410 ERROR event, or breaks them; returns how many there were.</summary>
    public int BreakWatches(bool expire)
    {
        lock (_gate)
        {
            var count = _watchers.Count;
            foreach (var watcher in _watchers)
            {
                if (expire)
                {
                    watcher.Expire($"too old resource version: {store.CurrentRevision} ({store.CurrentRevision})");
                }
                else
                {
                    watcher.Abort();
                }
            }
            _watchers.Clear();
            return count;
        }
    }

    public void TruncateHistory(long throughRevision)
    {
        lock (_gate)
        {
            _history.Truncate(throughRevision);
        }
    }

    /// <summary>Ends every watch cleanly, e.g. when the resource stops being served.</summary>
    public void CloseWatches()
    {
        lock (_gate)
        {
            _watchers.ForEach(w => w.Close());
            _watchers.Clear();
        }
    }
}
