using System.Collections.Concurrent;

namespace CertFleet.KubeEmulator.Storage;

/// <summary>Where an object with a given uid lives.</summary>
internal readonly record struct ObjectLocation(string GroupResource, ObjectKey Key);

/// <summary>
/// Cross-resource lookups the garbage collector needs: uid → object, and owner uid → dependents' uids.
/// Updated by the buckets as they commit.
/// </summary>
internal sealed class ObjectIndex
{
    private readonly ConcurrentDictionary<string, ObjectLocation> _byUid = new(StringComparer.Ordinal);
    private readonly Lock _dependentsGate = new();
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);

    public bool TryLocate(string uid, out ObjectLocation location) => _byUid.TryGetValue(uid, out location);

    public bool Exists(string uid) => _byUid.ContainsKey(uid);

    /// <summary>Uids of objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public List<string> DependentsOf(string ownerUid)
    {
        lock (_dependentsGate)
        {
            return _dependents.TryGetValue(ownerUid, out var set) ? [.. set] : [];
        }
    }

    public void Apply(string groupResource, StoredObject? before, StoredObject? after)
    {
        if (after is not null)
        {
            _byUid[after.Uid] = new ObjectLocation(groupResource, after.Key);
        }
        else if (before is not null)
        {
            _byUid.TryRemove(before.Uid, out _);
        }
        var oldOwners = before?.OwnerUids ?? [];
        var newOwners = after?.OwnerUids ?? [];
        if (oldOwners.SequenceEqual(newOwners))
        {
            return;
        }
        var dependent = (after ?? before)!.Uid;
        lock (_dependentsGate)
        {
            foreach (var owner in oldOwners.Except(newOwners))
            {
                if (_dependents.TryGetValue(owner, out var set) && set.Remove(dependent) && set.Count == 0)
                {
                    _dependents.Remove(owner);
                }
            }
            foreach (var owner in newOwners.Except(oldOwners))
            {
                if (!_dependents.TryGetValue(owner, out var set))
                {
                    set = new HashSet<string>(StringComparer.Ordinal);
                    _dependents[owner] = set;
                }
                set.Add(dependent);
            }
        }
    }
}
