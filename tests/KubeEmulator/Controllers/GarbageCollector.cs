using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Controllers;

/// <summary>
/// kube-controller-manager's garbage collector, by ownerReference uid: a dependent whose owners are all gone is
/// deleted (background propagation); references to vanished owners are dropped while another owner lives. An
/// owner deleted with propagationPolicy Foreground waits until its blocking dependents are gone; with Orphan its
/// dependents lose the reference instead. Owners must be cluster-scoped or in the dependent's namespace.
/// </summary>
internal sealed class GarbageCollector
{
    private readonly ResourceOperations _operations;
    private readonly WorkQueue<string> _queue = new();

    public GarbageCollector(ResourceOperations operations)
    {
        _operations = operations;
        operations.Store.Subscribe(OnCommitted);
    }

    private ObjectIndex Index => _operations.Store.Index;

    public Task RunAsync(CancellationToken cancellation) => _queue.RunAsync(Process, cancellation);

    private void OnCommitted(WatchChange change)
    {
        var obj = change.Object;
        if (change.Type == ChangeType.Deleted)
        {
            foreach (var dependent in Index.DependentsOf(obj.Uid))
            {
                _queue.Enqueue(dependent);
            }
            foreach (var owner in obj.OwnerUids)
            {
                _queue.Enqueue(owner); // an owner in foreground deletion may be waiting for this one
            }
            return;
        }
        if (obj.IsTerminating && obj.Finalizers.Any(f => f is GarbageCollectionFinalizers.Foreground or GarbageCollectionFinalizers.Orphan))
        {
            _queue.Enqueue(obj.Uid);
        }
        if (obj.OwnerUids.Any(owner => !OwnerExists(owner, obj)))
        {
            _queue.Enqueue(obj.Uid);
        }
    }

    private void Process(string uid)
    {
        if (Locate(uid) is not (var type, var obj))
        {
            return;
        }
        if (obj.IsTerminating && obj.Finalizers.Contains(GarbageCollectionFinalizers.Orphan))
        {
            OrphanDependents(obj);
            ObjectEdits.RemoveFinalizer(_operations, ObjectEdits.Target(type, obj.Key), GarbageCollectionFinalizers.Orphan);
            return;
        }
        if (obj.IsTerminating && obj.Finalizers.Contains(GarbageCollectionFinalizers.Foreground))
        {
            DeleteDependentsFirst(type, obj);
            return;
        }
        if (obj.OwnerUids.Count == 0)
        {
            return;
        }
        var live = obj.OwnerUids.Where(owner => OwnerExists(owner, obj)).ToHashSet();
        if (live.Count == 0)
        {
            if (!obj.IsTerminating)
            {
                ObjectEdits.Delete(_operations, ObjectEdits.Target(type, obj.Key), obj.Uid);
            }
        }
        else if (live.Count < obj.OwnerUids.Count)
        {
            ObjectEdits.Edit(_operations, ObjectEdits.Target(type, obj.Key), next => KeepReferences(next, live.Contains));
        }
    }

    private void DeleteDependentsFirst(ResourceType ownerType, StoredObject owner)
    {
        var blocking = false;
        foreach (var dependentUid in Index.DependentsOf(owner.Uid))
        {
            if (Locate(dependentUid) is not (var type, var dependent))
            {
                continue;
            }
            blocking |= BlocksOwnerDeletion(dependent, owner.Uid);
            if (!dependent.IsTerminating)
            {
                ObjectEdits.Delete(_operations, ObjectEdits.Target(type, dependent.Key), dependent.Uid, "Foreground");
            }
        }
        if (!blocking)
        {
            ObjectEdits.RemoveFinalizer(_operations, ObjectEdits.Target(ownerType, owner.Key), GarbageCollectionFinalizers.Foreground);
        }
    }

    private void OrphanDependents(StoredObject owner)
    {
        foreach (var dependentUid in Index.DependentsOf(owner.Uid))
        {
            if (Locate(dependentUid) is (var type, var dependent))
            {
                ObjectEdits.Edit(_operations, ObjectEdits.Target(type, dependent.Key), next => KeepReferences(next, uid => uid != owner.Uid));
            }
        }
    }

    private static bool KeepReferences(JsonObject obj, Func<string, bool> keep)
    {
        if (obj.ArrayAt("metadata", "ownerReferences") is not { } references)
        {
            return false;
        }
        var kept = references.Where(r => keep(r.StringAt("uid") ?? "")).Select(r => r?.DeepClone()).ToArray();
        if (kept.Length == references.Count)
        {
            return false;
        }
        if (kept.Length == 0)
        {
            ObjectMeta.Of(obj).Remove("ownerReferences");
        }
        else
        {
            ObjectMeta.Of(obj)["ownerReferences"] = new JsonArray(kept);
        }
        return true;
    }

    private static bool BlocksOwnerDeletion(StoredObject dependent, string ownerUid) =>
        (dependent.Object.ArrayAt("metadata", "ownerReferences") ?? [])
        .Any(r => r.StringAt("uid") == ownerUid && r.At("blockOwnerDeletion").AsBool() == true);

    private bool OwnerExists(string ownerUid, StoredObject dependent) =>
        Index.TryLocate(ownerUid, out var location) &&
        (location.Key.Namespace.Length == 0 || location.Key.Namespace == dependent.Key.Namespace);

    private (ResourceType Type, StoredObject Object)? Locate(string uid)
    {
        if (!Index.TryLocate(uid, out var location) || _operations.Catalog.Find(location.GroupResource) is not { } type)
        {
            return null;
        }
        var obj = _operations.Store.Bucket(location.GroupResource).Get(location.Key);
        return obj is not null && obj.Uid == uid ? (type, obj) : null;
    }
}
