using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Fleet;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Shims;
using CertFleet.Kubernetes.Bridge.Solving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CertFleet.Kubernetes.Bridge;

public static class BridgeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Kubernetes bridge: <see cref="IClusterWriter"/>, <see cref="IClusterReader"/> and
    /// <see cref="IDns01WebhookSolvers"/> for grains, and
    /// the hosted service that elects a leader per cluster and feeds watched objects to grains. Call after UseOrleans:
    /// the service resolves <see cref="IGrainFactory"/> and must start after the silo.
    /// </summary>
    public static IServiceCollection AddKubernetesBridge(this IServiceCollection services, Action<BridgeOptions> configure) =>
        services.Configure(configure).AddKubernetesBridge();

    /// <summary>
    /// The same with <see cref="BridgeOptions"/> and <see cref="ShimOptions"/> configured elsewhere (the Silo binds them
    /// from CertFleet); registers the checks they must pass at start.
    /// </summary>
    public static IServiceCollection AddKubernetesBridge(this IServiceCollection services)
    {
        services.AddOptions<BridgeOptions>()
            .Validate(o => o.ClusterName.Length > 0 && !o.ClusterName.Contains('/'),
                "CertFleet:ClusterName must be set and must not contain '/' (it starts every grain key)")
            .Validate(o => o.ClusterResourceNamespace.Length > 0, "CertFleet:ClusterResourceNamespace must be set")
            .Validate(o => o.LeaseName.Length > 0, "CertFleet:LeaseName must be set")
            .Validate(o => o.RequestTimeout > TimeSpan.Zero && o.RequestTimeout <= o.WriteDeadline && o.WriteDeadline < TimeSpan.FromSeconds(30),
                "CertFleet:RequestTimeout must be positive and at most CertFleet:WriteDeadline, which must stay below Orleans' 30 s call timeout")
            .Validate(o => o.RetryPeriod > TimeSpan.Zero && o.RetryPeriod < o.RenewDeadline && o.RenewDeadline < o.LeaseDuration,
                "leader election needs RetryPeriod < RenewDeadline < LeaseDuration")
            .Validate(o => o.MaxConcurrentRequests > 0 && o.MaxConcurrentDeliveries > 0,
                "CertFleet:MaxConcurrentRequests and CertFleet:MaxConcurrentDeliveries must be positive")
            .ValidateOnStart();

        services.AddOptions<ShimOptions>()
            .Validate(o => !o.HasDefaultIssuer || (!string.IsNullOrWhiteSpace(o.DefaultIssuerKind) && !string.IsNullOrWhiteSpace(o.DefaultIssuerGroup)),
                "CertFleet:Shims:DefaultIssuerKind and DefaultIssuerGroup must not be empty when DefaultIssuerName is set (e.g. ClusterIssuer and cert-manager.io)")
            .ValidateOnStart();
        services.AddOptions<SolverServiceOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KubernetesClusters>();
        services.TryAddSingleton<EventCorrelator>();
        services.TryAddSingleton<EventRecorder>();
        services.TryAddSingleton<IClusterWriter, ClusterWriter>();
        services.TryAddSingleton<IClusterReader, ClusterReader>();
        services.TryAddSingleton<IDns01WebhookSolvers, Dns01WebhookSolvers>();
        services.TryAddSingleton<IFleetMembers, FleetMembers>();
        services.TryAddSingleton<FleetCertificateIndex>();
        services.TryAddSingleton<IObjectChangeReceiver, GrainChangeReceiver>();
        services.TryAddSingleton<IKnownObjectsStore, GrainKnownObjectsStore>();
        services.TryAddSingleton<WatchedStatuses>();
        services.TryAddSingleton<ControllerSyncs>();
        services.TryAddSingleton<ClusterBridgeService>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterBridgeService>());
        services.TryAddSingleton<LeftClusterSweep>();
        services.TryAddSingleton<ClusterSecretRegistrations>();
        services.TryAddSingleton<IClusterMembership>(provider => provider.GetRequiredService<ClusterSecretRegistrations>());
        return services;
    }
}
