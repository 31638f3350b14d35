using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Storage;

internal enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One committed change to a resource, kept in its watch history and offered to its watchers.</summary>
internal sealed class WatchChange(string groupResource, ChangeType type, StoredObject obj, StoredObject? previous)
{
    private StoredObject? _leaving;

    public string GroupResource { get; } = groupResource;

    public ChangeType Type { get; } = type;

    /// <summary>The object after the change; for a deletion, its last state carrying the deletion's resourceVersion.</summary>
    public StoredObject Object { get; } = obj;

    public StoredObject? Previous { get; } = previous;

    public long ResourceVersion => Object.ResourceVersion;

    /// <summary>
    /// What a watcher whose selector the object just left receives as DELETED: the previous content with this
    /// change's resourceVersion. Built on first use; callers hold the resource's lock.
    /// </summary>
    public StoredObject Leaving
    {
        get
        {
            if (_leaving is null)
            {
                var copy = Previous!.CloneAs(Previous.ApiVersion);
                ObjectMeta.Of(copy)["resourceVersion"] = ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
                _leaving = new StoredObject(copy, ResourceVersion);
            }
            return _leaving;
        }
    }
}
