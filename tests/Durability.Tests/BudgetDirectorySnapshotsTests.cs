using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.Silo;
using CertFleet.Silo.Metrics;

namespace CertFleet.Durability.Tests;

/// <summary>The budget gauges of /metrics read what the budget grains hold, through the cluster-wide directory.</summary>
public sealed class BudgetDirectorySnapshotsTests
{
    [Fact]
    public async Task Budgets_in_use_are_listed_with_what_remains()
    {
        await using var silo = await TestSilo.StartAsync(new CertFleetOptions { Storage = "memory" }, new FakeCluster());
        var budget = silo.Grains.GetGrain<IRateLimitBudgetGrain>(
            $"{RateLimitNames.CertificatesPerRegisteredDomain}/acme.test/example.com");
        await budget.TryAcquireAsync(capacity: 5, period: TimeSpan.FromDays(7), holder: "local/default/web#1");
        await budget.TryAcquireAsync(capacity: 5, period: TimeSpan.FromDays(7), holder: "local/default/api#1");

        var snapshots = await new BudgetDirectorySnapshots(silo.Grains).GetAsync(CancellationToken.None);

        var snapshot = Assert.Single(snapshots);
        Assert.Equal(("acme.test", RateLimitNames.CertificatesPerRegisteredDomain, "acme.test/example.com", 3d),
            (snapshot.Server, snapshot.Limit, snapshot.Key, snapshot.Remaining));
        Assert.NotNull(snapshot.ReopensAt);
    }
}
