using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Metrics;

/// <summary>The watch feeds the metrics' view of the cluster while it runs, and takes it away when it stops.</summary>
public sealed class ClusterWatchStatusesTests : EmulatorTest
{
    [Fact]
    public async Task Watched_objects_appear_and_are_forgotten_when_the_watch_stops()
    {
        var statuses = new WatchedStatuses();
        var syncs = new ControllerSyncs();
        using var stop = new CancellationTokenSource();
        var watch = new ClusterWatch(Api.Connection, WatchedResources.All, new RecordingReceiver(), new MemoryKnownObjectsStore(), NullLoggerFactory.Instance, statuses, syncs);
        var running = watch.RunAsync(stop.Token);

        await Api.CreateCertificateAsync("web");
        await Eventually.TrueAsync(() => statuses.Certificates.Any(c => c.Key == Api.Key("web")), "the Certificate is in view");
        await Eventually.TrueAsync(() => syncs.Totals.TryGetValue((Api.Connection.Name, "certificates"), out var counts) && counts.Calls == 1, "its delivery is counted");

        // Losing the Lease cancels the watch: a silo that no longer leads exports no object series.
        await stop.CancelAsync();
        await running;
        Assert.Empty(statuses.Certificates);
    }
}
