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

        var spent = silo.Grains.GetGrain<IRateLimitBudgetGrain>($"{RateLimitNames.CertificatesPerIdentifierSet}/acme.test/web.example.com");
        await spent.TryAcquireAsync(capacity: 1, period: TimeSpan.FromDays(7), holder: "local/default/web#1");

        var snapshots = await new BudgetDirectorySnapshots(silo.Grains).GetAsync(CancellationToken.None);

        Assert.Equal(2, snapshots.Count);
        var domain = Assert.Single(snapshots, s => s.Limit == RateLimitNames.CertificatesPerRegisteredDomain);
        Assert.Equal(("acme.test", "acme.test/example.com", 3d), (domain.Server, domain.Key, domain.Remaining));
        var set = Assert.Single(snapshots, s => s.Limit == RateLimitNames.CertificatesPerIdentifierSet);
        Assert.Equal(0d, set.Remaining);
        Assert.NotNull(set.ReopensAt);
    }
}
