using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Bridge.Tests.Hosting;

/// <summary>The bridge's log lines about a member cluster carry its name as a scope field, as grain lines do.</summary>
public sealed class ClusterLogScopeTests : EmulatorTest
{
    [Fact]
    public async Task Dispatcher_and_writer_lines_carry_the_cluster_they_are_about()
    {
        using var logs = new CollectingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        using var stop = new CancellationTokenSource();
        var watch = new ClusterWatch(Api.Connection, WatchedResources.All, new FailingReceiver(), new MemoryKnownObjectsStore(), loggers,
            new WatchedStatuses(), new ControllerSyncs());
        var running = watch.RunAsync(stop.Token);

        await Api.CreateCertificateAsync("web");
        await Eventually.TrueAsync(() => logs.Entries.Any(e => e.Message.StartsWith("Delivering a change of", StringComparison.Ordinal)),
            "the failed delivery is logged");
        Assert.Equal(BridgeEmulator.Cluster, logs.Entries.First(e => e.Message.StartsWith("Delivering a change of", StringComparison.Ordinal)).Cluster);
        await stop.CancelAsync();
        await running;

        // A write that fails on member "east" (the connection's name, whichever server it reaches).
        using var east = new ClusterConnection("east", Api.Client, BridgeEmulator.BridgeOptionsFor(Api.Server), loggers.CreateLogger<ClusterConnection>());
        await Assert.ThrowsAsync<ClusterWriteException>(() => east.RunAsync("writing Secret team/web-tls",
            t => east.Client.CoreV1.ReadNamespacedSecretAsync("web-tls", "no-such-namespace", cancellationToken: t), CancellationToken.None));
        var failed = Assert.Single(logs.Entries, e => e.Message.StartsWith("writing Secret team/web-tls failed on cluster", StringComparison.Ordinal));
        Assert.Equal("east", failed.Cluster);
        // Nothing outside the watch or a write has the scope left open.
        loggers.CreateLogger("test").LogInformation("after");
        Assert.Null(logs.Entries.Last().Cluster);
    }

    private sealed class FailingReceiver : IObjectChangeReceiver
    {
        public Task ReceiveAsync(ObjectChange change, CancellationToken ct) =>
            Task.FromException(new InvalidOperationException("grain unavailable"));
    }
}
