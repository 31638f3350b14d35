using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Controllers;

/// <summary>
/// kube-controller-manager's namespace controller: empties a Terminating namespace (objects with finalizers stay
/// until their finalizers are removed), then removes the "kubernetes" finalizer through /finalize, which deletes it.
/// </summary>
internal sealed class NamespaceController
{
    private readonly ResourceOperations _operations;
    private readonly WorkQueue<string> _queue = new();

    public NamespaceController(ResourceOperations operations)
    {
        _operations = operations;
        operations.Store.Subscribe(OnCommitted);
    }

    public Task RunAsync(CancellationToken cancellation) => _queue.RunAsync(Process, cancellation);

    private void OnCommitted(WatchChange change)
    {
        if (change.GroupResource == "namespaces")
        {
            if (change.Type != ChangeType.Deleted && change.Object.IsTerminating)
            {
                _queue.Enqueue(change.Object.Key.Name);
            }
        }
        else if (change.Type == ChangeType.Deleted && change.Object.Key.Namespace.Length > 0 && IsTerminating(change.Object.Key.Namespace))
        {
            _queue.Enqueue(change.Object.Key.Namespace);
        }
    }

    private bool IsTerminating(string ns) =>
        _operations.Store.Bucket("namespaces").Get(new ObjectKey("", ns)) is { IsTerminating: true };

    private void Process(string ns)
    {
        if (!IsTerminating(ns))
        {
            return;
        }
        var contentTypes = _operations.Catalog.All.Where(t => t.Namespaced).ToList();
        foreach (var type in contentTypes)
        {
            var (items, _) = _operations.Store.Bucket(type.GroupResource).List(ns, _ => true);
            foreach (var obj in items.Where(o => !o.IsTerminating))
            {
                ObjectEdits.Delete(_operations, ObjectEdits.Target(type, obj.Key), obj.Uid);
            }
        }
        if (contentTypes.Any(t => _operations.Store.Bucket(t.GroupResource).Any(ns)))
        {
            return; // objects held by finalizers; their deletion queues the namespace again
        }
        var namespaces = _operations.Catalog.Find("namespaces")!;
        ObjectEdits.Edit(_operations, ObjectEdits.Target(namespaces, new ObjectKey("", ns), "finalize"), obj =>
        {
            var finalizers = obj.ArrayAt("spec", "finalizers").Strings();
            if (!finalizers.Remove(NamespaceStrategy.ContentFinalizer))
            {
                return false;
            }
            obj.EnsureObject("spec")["finalizers"] = finalizers.ToJsonArray();
            return true;
        });
    }
}
