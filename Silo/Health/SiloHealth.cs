using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace CertFleet.Silo.Health;

/// <summary>
/// The three probes on the http port. Readiness: storage answers, the silo is Active in the cluster, and the
/// home cluster's API server answered the leader election lately. Liveness: the silo's scheduler runs a grain turn in time.
/// Startup: the silo has started, or waits for Redis (which readiness reports and liveness tolerates). Every check
/// reads memory or a cached answer, so probes cost nothing but the liveness grain call.
/// </summary>
public static class SiloHealth
{
    private const string Ready = "ready", Live = "live", Startup = "startup";

    /// <summary>How long the liveness grain call may take: a scheduler that cannot run one empty turn in it is wedged.</summary>
    public static readonly TimeSpan SchedulerTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StorageCheck>("storage", tags: [Ready])
            .AddCheck<MembershipCheck>("cluster-membership", tags: [Ready])
            .AddCheck<KubernetesApiCheck>("kubernetes-api", tags: [Ready])
            .AddCheck<SchedulerCheck>("scheduler", tags: [Live])
            .AddCheck<StartupCheck>("startup", tags: [Startup]);
        return services;
    }

    /// <summary>Maps /health/live, /health/ready and /health/startup; each answers 200 or 503 with one line per check.</summary>
    public static void MapSiloHealth(this IEndpointRouteBuilder app)
    {
        foreach (var (path, tag) in new[] { ("/health/live", Live), ("/health/ready", Ready), ("/health/startup", Startup) })
            app.MapHealthChecks(path, new HealthCheckOptions
            {
                Predicate = check => check.Tags.Contains(tag),
                ResponseWriter = WriteAsync,
            });
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(entry => $"{entry.Key}: {entry.Value.Status}" +
                                                   (entry.Value.Description is { Length: > 0 } d ? $" ({d})" : ""));
        return context.Response.WriteAsync($"{report.Status}\n{string.Join('\n', lines)}\n");
    }

    /// <summary>Redis answers a PING (cached a few seconds); memory storage always answers.</summary>
    private sealed class StorageCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            if (services.GetService<RedisProbe>() is not { } redis)
                return HealthCheckResult.Healthy("memory");
            return await redis.ProblemAsync(ct) is { } problem
                ? HealthCheckResult.Unhealthy($"Redis at {redis.Endpoints}: {problem}")
                : HealthCheckResult.Healthy($"Redis at {redis.Endpoints} answers");
        }
    }

    /// <summary>The silo has started and the cluster's membership lists it Active.</summary>
    private sealed class MembershipCheck(SiloStartup startup, IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            if (startup.Phase != SiloPhase.Started)
                return Task.FromResult(HealthCheckResult.Unhealthy($"silo {startup.Phase}"));
            var status = services.GetRequiredService<ISiloStatusOracle>().CurrentStatus;
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy("Active")
                : HealthCheckResult.Unhealthy($"silo is {status} in the cluster"));
        }
    }

    /// <summary>
    /// The home cluster's API server answered this silo's leader election (every silo reads the Leases, all in the home
    /// cluster, every RetryPeriod) within RenewDeadline: the answer readiness needs, without a request of its own. A
    /// member's API server does not count: its outage is the fleet view's to show, and must not take silos out of service.
    /// </summary>
    private sealed class KubernetesApiCheck(ClusterBridgeService bridge, KubernetesClusters clusters, IOptions<BridgeOptions> options,
        TimeProvider clock) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var within = options.Value.RenewDeadline;
            var home = clusters.Home.Name;
            return Task.FromResult(bridge.HomeApiServerAnswer switch
            {
                null => HealthCheckResult.Unhealthy($"{home}: no answer yet"),
                { } at when now - at > within => HealthCheckResult.Unhealthy($"{home}: no answer for {(now - at).TotalSeconds:0} s"),
                _ => HealthCheckResult.Healthy($"answered within {within.TotalSeconds:0} s"),
            });
        }
    }

    /// <summary>
    /// One call to a local stateless worker: it needs the silo's message loop and scheduler and nothing else (no
    /// storage, no other silo), so only a wedged silo fails it. Before the silo has started there is nothing to wedge.
    /// </summary>
    internal sealed class SchedulerCheck(SiloStartup startup, IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            if (startup.Phase == SiloPhase.Failed)
                return HealthCheckResult.Unhealthy("the silo failed to start");
            if (startup.Phase != SiloPhase.Started)
                return HealthCheckResult.Healthy($"silo {startup.Phase}");
            try
            {
                await grains.GetGrain<ISchedulerProbeGrain>(0).PingAsync().WaitAsync(SchedulerTimeout, ct);
                return HealthCheckResult.Healthy("a grain turn ran");
            }
            catch (TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"no grain turn within {SchedulerTimeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>Passes once the silo has started, or while it waits for Redis (no restart would make Redis answer).</summary>
    private sealed class StartupCheck(SiloStartup startup) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
            Task.FromResult(startup.Phase is SiloPhase.Started or SiloPhase.WaitingForStorage
                ? HealthCheckResult.Healthy($"silo {startup.Phase}")
                : HealthCheckResult.Unhealthy($"silo {startup.Phase}"));
    }
}
