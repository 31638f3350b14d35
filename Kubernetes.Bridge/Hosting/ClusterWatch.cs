using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// The reflectors of one cluster feeding one dispatcher; runs while this silo leads the cluster. Every change also
/// updates <paramref name="statuses"/> (before coalescing, so the metrics see the latest status), which forgets the
/// cluster when the watch ends; deliveries are counted in <paramref name="syncs"/>.
/// </summary>
public sealed class ClusterWatch(
    ClusterConnection connection,
    IReadOnlyList<WatchedResource> resources,
    IObjectChangeReceiver receiver,
    ILoggerFactory loggers,
    WatchedStatuses statuses,
    ControllerSyncs syncs)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var dispatcher = new CoalescingDispatcher<(string Resource, ObjectKey Key), ObjectChange>(
            (change, token) => syncs.CountAsync(change.Resource, () => receiver.ReceiveAsync(change, token)),
            change => change.IsDeletion, connection.Options.MaxConcurrentDeliveries,
            loggers.CreateLogger<CoalescingDispatcher<(string, ObjectKey), ObjectChange>>());
        var reflectorLogger = loggers.CreateLogger<Reflector>();
        var reflectors = resources.Select(resource => new Reflector(
            resource.CreateSource(connection, reflectorLogger), connection.Name,
            change =>
            {
                statuses.Observe(change);
                dispatcher.Enqueue((change.Resource, change.Key), change);
            }, reflectorLogger));
        try
        {
            await Task.WhenAll([dispatcher.RunAsync(ct), .. reflectors.Select(reflector => reflector.RunAsync(ct))]);
        }
        finally
        {
            statuses.Forget(connection.Name);
        }
    }
}
