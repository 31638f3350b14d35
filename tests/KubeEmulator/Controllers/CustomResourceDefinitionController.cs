using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Controllers;

/// <summary>
/// Serves what CRDs define: a committed CRD is registered at once (so the next request can use it), a deleted
/// one is unregistered; a CRD being deleted first has its custom resources deleted, then loses its cleanup finalizer.
/// </summary>
internal sealed class CustomResourceDefinitionController
{
    private readonly ResourceOperations _operations;
    private readonly WorkQueue<string> _cleanups = new();

    public CustomResourceDefinitionController(ResourceOperations operations)
    {
        _operations = operations;
        operations.Store.Subscribe(OnCommitted);
    }

    public Task RunAsync(CancellationToken cancellation) => _cleanups.RunAsync(CleanUp, cancellation);

    private void OnCommitted(WatchChange change)
    {
        if (change.GroupResource != CustomResourceDefinitionStrategy.GroupResource)
        {
            if (change.Type == ChangeType.Deleted && IsTerminating(change.GroupResource))
            {
                _cleanups.Enqueue(change.GroupResource);
            }
            return;
        }
        var servedResource = change.Object.Key.Name;
        if (change.Type == ChangeType.Deleted)
        {
            _operations.Catalog.Unregister(servedResource);
            _operations.Store.Bucket(servedResource).CloseWatches();
            return;
        }
        try
        {
            _operations.Catalog.Register(CustomResourceDefinitionReader.Read(change.Object.Object));
        }
        catch (FormatException)
        {
            // Validation accepted it, so this cannot happen; an unusable CRD simply serves nothing.
        }
        if (change.Object.IsTerminating)
        {
            _cleanups.Enqueue(servedResource);
        }
    }

    private bool IsTerminating(string servedResource) =>
        _operations.Store.Bucket(CustomResourceDefinitionStrategy.GroupResource).Get(new ObjectKey("", servedResource)) is { IsTerminating: true };

    private void CleanUp(string servedResource)
    {
        if (!IsTerminating(servedResource))
        {
            return;
        }
        var bucket = _operations.Store.Bucket(servedResource);
        if (_operations.Catalog.Find(servedResource) is { } type)
        {
            var (items, _) = bucket.List(null, _ => true);
            foreach (var obj in items.Where(o => !o.IsTerminating))
            {
                ObjectEdits.Delete(_operations, ObjectEdits.Target(type, obj.Key), obj.Uid);
            }
            if (bucket.List(null, _ => true).Items.Count > 0)
            {
                return; // custom resources held by finalizers; their deletion queues this again
            }
        }
        var definitions = _operations.Catalog.Find(CustomResourceDefinitionStrategy.GroupResource)!;
        ObjectEdits.RemoveFinalizer(_operations, ObjectEdits.Target(definitions, new ObjectKey("", servedResource)),
            CustomResourceDefinitionStrategy.CleanupFinalizer);
    }
}
