using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>Delivers watched changes as grain calls, as <see cref="WatchedResources"/> maps them.</summary>
public sealed class GrainChangeReceiver(IGrainFactory grains, FleetCertificateIndex? fleetCertificates = null, KubernetesClusters? clusters = null)
    : IObjectChangeReceiver
{
    private readonly Dictionary<string, WatchedResource> _resources =
        WatchedResources.All.Concat(WatchedResources.HomeOnly).ToDictionary(resource => resource.Resource);

    private readonly GrainTargets _targets = new(grains, new IssuerSecretIndex(), fleetCertificates ?? new FleetCertificateIndex());

    // Grain calls carry no token: Orleans' response timeout bounds them.
    // A change still queued when its cluster left the fleet (no longer among the connections) is dropped: delivered after
    // the leave sweep, it would wake a grain that has just forgotten itself and have it store state again.
    public Task ReceiveAsync(ObjectChange change, CancellationToken ct) =>
        clusters is not null && !clusters.TryGet(change.Key.Cluster, out _)
            ? Task.CompletedTask
            : _resources[change.Resource].DeliverAsync(_targets, change);

    public bool IgnoresOwnEcho(ObjectChange change) => _resources[change.Resource].IgnoresOwnEcho(_targets, change);
}
