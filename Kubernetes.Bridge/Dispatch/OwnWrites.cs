using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// The resourceVersion each of this silo's writes to one cluster produced, so the watch can drop the event that shows
/// exactly that version before it is coalesced and becomes a grain call: the grain that wrote it ignores its own echo
/// anyway (the one echo rule, versions at or below its last write). Only an exact version is dropped, so a change by
/// anyone else always goes through. The echo often arrives before the write's answer: changes of an object with a
/// write in flight wait (in order) until that write ends, at most its deadline. A version is forgotten when its echo
/// comes, or after <see cref="Lifetime"/> (the echo went to another silo, or the watch listed past it); an echo that
/// comes later is simply delivered, as it was before this table.
/// </summary>
public sealed class OwnWrites(TimeProvider? clock = null)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Resource, ObjectKey Key), Entry> _entries = new();
    private DateTimeOffset _swept = DateTimeOffset.MinValue;

    /// <summary>A write of <paramref name="key"/> starts; end it with <see cref="Ended"/> whatever happens.</summary>
    public void Started(string resource, ObjectKey key)
    {
        lock (_lock)
        {
            SweepIfDue();
            if (!_entries.TryGetValue((resource, key), out var entry))
                _entries[(resource, key)] = entry = new Entry();
            entry.InFlight++;
        }
    }

    /// <summary>
    /// A write of <paramref name="key"/> ended, leaving it at <paramref name="resourceVersion"/> (null when it failed or
    /// the version is unknown); changes that waited for it go on now, except its echo.
    /// </summary>
    public void Ended(string resource, ObjectKey key, string? resourceVersion)
    {
        List<(ObjectChange Change, Action<ObjectChange> Deliver)> release = [];
        lock (_lock)
        {
            if (!_entries.TryGetValue((resource, key), out var entry))
                return;
            entry.InFlight--;
            if (!string.IsNullOrEmpty(resourceVersion))
            {
                entry.Version = resourceVersion;
                entry.Written = _clock.GetUtcNow();
            }
            if (entry.InFlight > 0)
                return;
            foreach (var waiting in entry.Waiting)
            {
                if (waiting.Ignorable && IsEcho(waiting.Change, entry))
                    entry.Version = null;
                else
                    release.Add((waiting.Change, waiting.Deliver));
            }
            entry.Waiting.Clear();
            if (entry.Version is null)
                _entries.Remove((resource, key));
        }
        foreach (var (change, deliver) in release)
            deliver(change);
    }

    /// <summary>
    /// Hands <paramref name="change"/> to <paramref name="deliver"/> now, later (a write of its object is in flight), or
    /// never (<paramref name="ignorable"/>, the grains it goes to ignore their own echoes, and it shows exactly the
    /// version this silo's last write of it produced).
    /// </summary>
    public void Observe(ObjectChange change, bool ignorable, Action<ObjectChange> deliver)
    {
        lock (_lock)
        {
            var id = (change.Resource, change.Key);
            if (_entries.TryGetValue(id, out var entry))
            {
                if (entry.InFlight > 0)
                {
                    entry.Waiting.Add((change, ignorable, deliver));
                    return;
                }
                if (ignorable && IsEcho(change, entry))
                {
                    _entries.Remove(id);
                    return;
                }
                if (change.IsDeletion)
                    _entries.Remove(id);
            }
        }
        deliver(change);
    }

    private static bool IsEcho(ObjectChange change, Entry entry) =>
        !change.IsDeletion && change.ResourceVersion.Length > 0 && change.ResourceVersion == entry.Version;

    /// <summary>Objects with a write in flight or a version whose echo has not come yet (or never will).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    private void SweepIfDue()
    {
        var now = _clock.GetUtcNow();
        if (now - _swept < Lifetime)
            return;
        _swept = now;
        foreach (var (id, entry) in _entries.Where(e => e.Value.InFlight == 0 && now - e.Value.Written >= Lifetime).ToList())
            _entries.Remove(id);
    }

    private sealed class Entry
    {
        public int InFlight;
        public string? Version;
        public DateTimeOffset Written;
        public readonly List<(ObjectChange Change, bool Ignorable, Action<ObjectChange> Deliver)> Waiting = [];
    }
}
