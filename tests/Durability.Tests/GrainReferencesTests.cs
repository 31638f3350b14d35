using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.Silo;

namespace CertFleet.Durability.Tests;

/// <summary>References by key reach the same grains as the factory's own, in a real silo.</summary>
public sealed class GrainReferencesTests
{
    [Fact]
    public async Task References_made_after_the_first_one_reach_the_grain_the_factory_names()
    {
        await using var silo = await TestSilo.StartAsync(new CertFleetOptions { Storage = "memory" }, new FakeCluster());
        var references = silo.Grains;
        const string key = $"{RateLimitNames.CertificatesPerIdentifierSet}/acme.test/web.example.com";

        // The first reference is the factory's; the second is made from the types it carried.
        var first = await references.ByKey<IRateLimitBudgetGrain>(key).TryAcquireAsync(capacity: 1, period: TimeSpan.FromDays(7), holder: "web#1");
        var second = await references.ByKey<IRateLimitBudgetGrain>(key).TryAcquireAsync(capacity: 1, period: TimeSpan.FromDays(7), holder: "web#2");
        var other = await references.ByKey<IRateLimitBudgetGrain>(key + ".other").TryAcquireAsync(capacity: 1, period: TimeSpan.FromDays(7), holder: "web#3");

        Assert.True(first.Granted);
        Assert.False(second.Granted); // the same budget grain, already spent
        Assert.True(other.Granted);
        Assert.Equal(silo.Grains.GetGrain<IRateLimitBudgetGrain>(key), references.ByKey<IRateLimitBudgetGrain>(key));
    }
}
