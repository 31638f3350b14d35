using System.Reflection;
using CertFleet.Interfaces.Grains;
using CertFleet.Silo.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Durability.Tests;

/// <summary>
/// /health/live's check: a silo whose scheduler never runs the probe grain's turn is reported wedged once
/// <see cref="SiloHealth.SchedulerTimeout"/> passes; one that runs it is alive; before the silo has started there is
/// nothing to wedge, and a silo that failed to start is not alive.
/// </summary>
public sealed class LivenessTests
{
    [Fact]
    public async Task A_scheduler_that_never_runs_the_probe_turn_fails_liveness_after_the_timeout()
    {
        var started = DateTime.UtcNow;

        var result = await CheckAsync(await StartedAsync(), ProbeGrains.Create(never: true));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"no grain turn within {SiloHealth.SchedulerTimeout.TotalSeconds:0} s", result.Description);
        Assert.True(DateTime.UtcNow - started >= SiloHealth.SchedulerTimeout - TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_scheduler_that_runs_the_probe_turn_is_alive()
    {
        var result = await CheckAsync(await StartedAsync(), ProbeGrains.Create(never: false));

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task Before_the_silo_started_liveness_passes_without_calling_a_grain()
    {
        var startup = new SiloStartup([], null, new Lifetime(), NullLogger<SiloStartup>.Instance);

        var result = await CheckAsync(startup, ProbeGrains.Create(never: true));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("silo Created", result.Description);
    }

    [Fact]
    public async Task A_silo_that_failed_to_start_is_not_alive()
    {
        var startup = new SiloStartup([new FailingService()], null, new Lifetime(), NullLogger<SiloStartup>.Instance);
        await startup.StartAsync(CancellationToken.None);
        await WaitForAsync(() => startup.Phase == SiloPhase.Failed);
        Environment.ExitCode = 0; // the failed start set it for the process; this one is a test

        var result = await CheckAsync(startup, ProbeGrains.Create(never: false));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    // A check that waited for ever would hang the probe; here it fails the test instead.
    private static Task<HealthCheckResult> CheckAsync(SiloStartup startup, IGrainFactory grains) =>
        new SiloHealth.SchedulerCheck(startup, grains).CheckHealthAsync(new HealthCheckContext(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

    private static async Task<SiloStartup> StartedAsync()
    {
        var startup = new SiloStartup([], null, new Lifetime(), NullLogger<SiloStartup>.Instance);
        await startup.StartAsync(CancellationToken.None);
        await WaitForAsync(() => startup.Phase == SiloPhase.Started);
        return startup;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        Assert.True(condition());
    }

    /// <summary>A grain factory whose only grain is the probe: its turn completes at once, or never (a wedged scheduler).</summary>
    private class ProbeGrains : DispatchProxy
    {
        private bool _never;

        public static IGrainFactory Create(bool never)
        {
            var grains = DispatchProxy.Create<IGrainFactory, ProbeGrains>();
            ((ProbeGrains)(object)grains)._never = never;
            return grains;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args) =>
            method is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && method.GetGenericArguments()[0] == typeof(ISchedulerProbeGrain)
                ? Probe.Create(_never)
                : throw new NotSupportedException($"the liveness check asked for {method}");
    }

    private class Probe : DispatchProxy
    {
        private bool _never;

        public static ISchedulerProbeGrain Create(bool never)
        {
            var probe = DispatchProxy.Create<ISchedulerProbeGrain, Probe>();
            ((Probe)(object)probe)._never = never;
            return probe;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args) =>
            method?.Name == nameof(ISchedulerProbeGrain.PingAsync)
                ? _never ? new TaskCompletionSource().Task : Task.CompletedTask
                : throw new NotSupportedException($"the liveness check called {method}");
    }

    private sealed class FailingService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("cannot start");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
