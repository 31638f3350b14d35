using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// The reflectors of one cluster feeding one dispatcher; runs while this silo leads the cluster. Each reflector starts
/// from the objects earlier terms handed to grains (<paramref name="knownStore"/>), so its first list reports those
/// deleted meanwhile. Every change also updates <paramref name="statuses"/> (before coalescing, so the metrics see the
/// latest status), which forgets the cluster when the watch ends; deliveries are counted in <paramref name="syncs"/>.
/// Echoes of this silo's own writes that their grains would ignore (<see cref="OwnWrites"/>) are not delivered.
/// </summary>
public sealed class ClusterWatch(
    ClusterConnection connection,
    IReadOnlyList<WatchedResource> resources,
    IObjectChangeReceiver receiver,
    IKnownObjectsStore knownStore,
    ILoggerFactory loggers,
    WatchedStatuses statuses,
    ControllerSyncs syncs)
{
    public async Task RunAsync(CancellationToken ct)
    {
        // Everything started below (reflectors, known objects, dispatcher) logs within the cluster's scope.
        using var scope = ClusterLogScope.Begin(loggers.CreateLogger<ClusterWatch>(), connection.Name);
        var reflectorLogger = loggers.CreateLogger<Reflector>();
        var knownLogger = loggers.CreateLogger<KnownObjects>();
        Dictionary<string, KnownObjects> known = new();
        var dispatcher = new CoalescingDispatcher<(string Resource, ObjectKey Key), ObjectChange>(
            async (change, token) =>
            {
                await syncs.CountAsync(change.Key.Cluster, change.Resource, () => receiver.ReceiveAsync(change, token));
                known[change.Resource].Delivered(change);
            },
            change => change.IsDeletion, connection.Options.MaxConcurrentDeliveries,
            loggers.CreateLogger<CoalescingDispatcher<(string, ObjectKey), ObjectChange>>());
        // An echo of this silo's own write is dropped once the known objects hold its object (so a later term still
        // sees it deleted) and before coalescing (so it never replaces someone else's change still waiting).
        foreach (var resource in resources)
            known[resource.Resource] = new KnownObjects(knownStore, connection.Name, resource.Resource,
                change => connection.OwnWrites.Observe(change, receiver.IgnoresOwnEcho(change),
                    released => dispatcher.Enqueue((released.Resource, released.Key), released)), knownLogger);

        async Task WatchAsync(WatchedResource resource)
        {
            var objects = known[resource.Resource];
            var earlier = await objects.LoadAsync(ct);
            var reflector = new Reflector(resource.CreateSource(connection, reflectorLogger), connection.Name,
                change =>
                {
                    statuses.Observe(change);
                    objects.Observe(change);
                }, reflectorLogger, earlier);
            await Task.WhenAll(objects.RunAsync(ct), reflector.RunAsync(ct));
        }

        try
        {
            await Task.WhenAll([dispatcher.RunAsync(ct), .. resources.Select(WatchAsync)]);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            statuses.Forget(connection.Name);
        }
    }
}
