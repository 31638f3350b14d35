using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>The reflectors of one cluster feeding one dispatcher; runs while this silo leads the cluster.</summary>
public sealed class ClusterWatch(
    ClusterConnection connection,
    IReadOnlyList<WatchedResource> resources,
    IObjectChangeReceiver receiver,
    ILoggerFactory loggers)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var dispatcher = new CoalescingDispatcher<(string Resource, ObjectKey Key), ObjectChange>(
            receiver.ReceiveAsync, change => change.IsDeletion, connection.Options.MaxConcurrentDeliveries,
            loggers.CreateLogger<CoalescingDispatcher<(string, ObjectKey), ObjectChange>>());
        var reflectorLogger = loggers.CreateLogger<Reflector>();
        var reflectors = resources.Select(resource => new Reflector(
            resource.CreateSource(connection, reflectorLogger), connection.Name,
            change => dispatcher.Enqueue((change.Resource, change.Key), change), reflectorLogger));
        await Task.WhenAll([dispatcher.RunAsync(ct), .. reflectors.Select(reflector => reflector.RunAsync(ct))]);
    }
}
