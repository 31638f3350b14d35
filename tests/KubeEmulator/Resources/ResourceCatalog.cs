namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// The resources being served. Built-ins are registered at start; custom resources come and go with their CRDs.
/// Reads are lock-free over an immutable snapshot; every change bumps <see cref="Generation"/>.
/// </summary>
internal sealed class ResourceCatalog
{
    private readonly Lock _gate = new();
    private volatile Dictionary<string, ResourceType> _byGroupResource = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Changes whenever the set of served resources changes (discovery and OpenAPI documents key on it).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public IReadOnlyCollection<ResourceType> All => _byGroupResource.Values;

    public ResourceType? Find(string groupResource) => _byGroupResource.GetValueOrDefault(groupResource);

    /// <summary>The resource served at /apis/{group}/{version}/{plural}.</summary>
    public bool TryFind(string group, string version, string plural, out ResourceType type, out ServedVersion served)
    {
        var key = group.Length == 0 ? plural : $"{plural}.{group}";
        if (_byGroupResource.TryGetValue(key, out type!) && type.Version(version) is { } match)
        {
            served = match;
            return true;
        }
        served = null!;
        return false;
    }

    public void Register(ResourceType type)
    {
        lock (_gate)
        {
            _byGroupResource = new Dictionary<string, ResourceType>(_byGroupResource, StringComparer.Ordinal)
            {
                [type.GroupResource] = type,
            };
            Interlocked.Increment(ref _generation);
        }
    }

    public void Unregister(string groupResource)
    {
        lock (_gate)
        {
            var next = new Dictionary<string, ResourceType>(_byGroupResource, StringComparer.Ordinal);
            if (next.Remove(groupResource))
            {
                _byGroupResource = next;
                Interlocked.Increment(ref _generation);
            }
        }
    }
}
