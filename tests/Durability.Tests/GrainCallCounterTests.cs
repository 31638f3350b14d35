using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Silo;
using CertFleet.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace CertFleet.Durability.Tests;

/// <summary>certfleet_grain_calls_total counts what grains call on grains, in a real silo, and nothing else.</summary>
public sealed class GrainCallCounterTests
{
    [Fact]
    public async Task Calls_from_grains_to_grains_are_counted_by_interface_and_method_and_calls_from_outside_are_not()
    {
        using var metrics = new CertManagerMetrics(new WatchedStatuses(), new ControllerSyncs(), new NoBudgets(), TimeProvider.System,
            NullLogger<CertManagerMetrics>.Instance);
        await using var silo = await TestSilo.StartAsync(new CertFleetOptions { Storage = "memory" }, new FakeCluster(), builder =>
        {
            builder.Services.AddSingleton(metrics);
            builder.AddOutgoingGrainCallFilter<GrainCallCounter>();
        });

        // From the test (outside any grain) to a budget grain, which registers itself with the directory grain once,
        // and keeps its state in the memory storage provider's grains.
        foreach (var holder in new[] { "local/default/web#1", "local/default/api#1" })
            await silo.Grains.GetGrain<IRateLimitBudgetGrain>($"{RateLimitNames.CertificatesPerRegisteredDomain}/acme.test/example.com")
                .TryAcquireAsync(capacity: 5, period: TimeSpan.FromDays(7), holder: holder);

        var calls = (await ScrapeAsync(metrics)).Where(line => line.StartsWith("certfleet_grain_calls_total{", StringComparison.Ordinal)).ToList();
        Assert.Equal(["certfleet_grain_calls_total{interface=\"IRateLimitDirectoryGrain\",method=\"RegisterAsync\"} 1"], calls);
    }

    [Fact]
    public async Task The_counter_is_CertFleets_own_and_leaves_cert_managers_names_as_they_are()
    {
        using var metrics = new CertManagerMetrics(new WatchedStatuses(), new ControllerSyncs(), new NoBudgets(), TimeProvider.System,
            NullLogger<CertManagerMetrics>.Instance);
        var sync = metrics.GrainCallCounter("ICertificateGrain", "SyncAsync");
        sync();
        sync();

        var lines = await ScrapeAsync(metrics);
        Assert.Contains("# TYPE certfleet_grain_calls_total counter", lines);
        Assert.Contains("certfleet_grain_calls_total{interface=\"ICertificateGrain\",method=\"SyncAsync\"} 2", lines);
        Assert.All(lines.Where(line => line.StartsWith("# TYPE certmanager_", StringComparison.Ordinal)),
            line => Assert.DoesNotContain("_total ", line, StringComparison.Ordinal));
    }

    private static async Task<string[]> ScrapeAsync(CertManagerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
    }

    private sealed class NoBudgets : IRateLimitBudgetSnapshots
    {
        public Task<IReadOnlyList<RateLimitBudgetSnapshot>> GetAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<RateLimitBudgetSnapshot>>([]);
    }
}
