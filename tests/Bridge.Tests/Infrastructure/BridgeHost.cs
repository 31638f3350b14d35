using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// One silo's worth of bridge, composed through <see cref="BridgeServiceCollectionExtensions.AddKubernetesBridge"/>
/// as the Silo does, with a <see cref="RecordingReceiver"/> in place of the grains.
/// </summary>
public sealed class BridgeHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IReadOnlyList<IHostedService> _hosted;
    private bool _stopped;

    private BridgeHost(ServiceProvider services, RecordingReceiver receiver, CollectingLoggerProvider logs)
    {
        _services = services;
        _hosted = services.GetServices<IHostedService>().ToList();
        Receiver = receiver;
        Logs = logs;
    }

    public RecordingReceiver Receiver { get; }
    public CollectingLoggerProvider Logs { get; }
    public IServiceProvider Services => _services;
    public bool IsLeading => _services.GetRequiredService<ClusterBridgeService>().IsLeading(BridgeEmulator.Cluster);

    public KubernetesClusters Clusters => _services.GetRequiredService<KubernetesClusters>();
    public ClusterBridgeService Bridge => _services.GetRequiredService<ClusterBridgeService>();

    /// <param name="knownObjects">Shared by the hosts that stand for silos of one cluster; a fresh one when null.</param>
    /// <param name="silos">How many silos the host believes share the clusters; one when null.</param>
    public static async Task<BridgeHost> StartAsync(KubeEmulatorServer server, string identity, string? leaseNamespace = null,
        MemoryKnownObjectsStore? knownObjects = null, SiloCount? silos = null, Action<BridgeOptions>? configure = null)
    {
        var receiver = new RecordingReceiver();
        var logs = new CollectingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<IObjectChangeReceiver>(receiver);
        services.AddSingleton<IKnownObjectsStore>(knownObjects ?? new MemoryKnownObjectsStore());
        services.AddSingleton<IActiveSilos>(silos ?? new SiloCount(1));
        services.AddKubernetesBridge(options =>
        {
            var defaults = BridgeEmulator.BridgeOptionsFor(server, identity);
            options.ClusterName = defaults.ClusterName;
            options.Kubeconfig = defaults.Kubeconfig;
            options.Identity = defaults.Identity;
            options.LeaseDuration = defaults.LeaseDuration;
            options.RenewDeadline = defaults.RenewDeadline;
            options.RetryPeriod = defaults.RetryPeriod;
            options.LeaseNamespace = leaseNamespace;
            configure?.Invoke(options);
        });
        var host = new BridgeHost(services.BuildServiceProvider(), receiver, logs);
        foreach (var hosted in host._hosted)
            await hosted.StartAsync(CancellationToken.None);
        return host;
    }

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        foreach (var hosted in _hosted.Reverse())
            await hosted.StopAsync(CancellationToken.None);
    }

    /// <summary>Joins a member cluster served by <paramref name="server"/>, as the cluster-Secret source does.</summary>
    public ClusterConnection AddMember(string name, KubeEmulatorServer server)
    {
        var home = Clusters.Home.Options;
        return Clusters.Add(new ClusterRegistration(name, ClusterRegistration.SecretSource, new Dictionary<string, string>()),
            KubernetesClusters.LoadClientConfiguration(server.KubeconfigPath), home);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}
