using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>Delivers watched changes as grain calls, as <see cref="WatchedResources"/> maps them.</summary>
public sealed class GrainChangeReceiver(IGrainFactory factory) : IObjectChangeReceiver
{
    private readonly GrainReferences _grains = new(factory);
    private readonly Dictionary<string, WatchedResource> _resources =
        WatchedResources.All.ToDictionary(resource => resource.Resource);

    // Grain calls carry no token: Orleans' response timeout bounds them.
    public Task ReceiveAsync(ObjectChange change, CancellationToken ct) =>
        _resources[change.Resource].DeliverAsync(_grains, change);
}
