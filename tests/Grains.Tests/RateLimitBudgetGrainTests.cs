using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests;

/// <summary>The budget grain on its own: reservations, refunds, failures and a CA's block, on the fake clock.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitBudgetGrainTests(ClusterFixture fixture)
{
    private IRateLimitBudgetGrain Budget(string limit) =>
        fixture.Grains.GetGrain<IRateLimitBudgetGrain>(RateLimitKeys.Grain(limit, $"budget-{Guid.NewGuid():N}.test/key"));

    [Fact]
    public async Task AReservationIsTakenOncePerHolderAndReleasingItGivesTheTokenBack()
    {
        var budget = Budget(RateLimitNames.CertificatesPerIdentifierSet);
        var week = TimeSpan.FromDays(7);
        Assert.True((await budget.TryAcquireAsync(2, week, "a#1")).Granted);
        Assert.True((await budget.TryAcquireAsync(2, week, "a#1")).Granted); // the same holder again: no second token
        Assert.True((await budget.TryAcquireAsync(2, week, "b#1")).Granted);
        var refused = await budget.TryAcquireAsync(2, week, "c#1");
        Assert.False(refused.Granted);
        // Open reservations may come back within seconds: ask again in a minute rather than after a refill.
        Assert.Equal(fixture.Clock.GetUtcNow() + TimeSpan.FromMinutes(1), refused.ReopensAt!.Value, TimeSpan.FromSeconds(1));

        await budget.ReleaseAsync("b#1");
        Assert.True((await budget.TryAcquireAsync(2, week, "c#1")).Granted);
        await budget.CommitAsync("a#1");
        await budget.ReleaseAsync("a#1"); // committed: releasing it now gives nothing back
        await budget.SpendAsync(2, week, "c#1"); // issued: the reservation stays spent
        var spent = await budget.TryAcquireAsync(2, week, "d#1");
        Assert.False(spent.Granted);
        // Nothing open any more: the next token comes with the refill (half of the week per token).
        Assert.Equal(fixture.Clock.GetUtcNow() + TimeSpan.FromDays(3.5), spent.ReopensAt!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AnIssuedCertificateIsSpentOncePerHolderWhetherOrNotItHeldAReservation()
    {
        var budget = Budget(RateLimitNames.CertificatesPerIdentifierSet);
        var week = TimeSpan.FromDays(7);
        await budget.SpendAsync(3, week, "order-a"); // no reservation: a token is spent
        await budget.SpendAsync(3, week, "order-a"); // reported again (a crash before the order's record): nothing more
        Assert.True((await budget.TryAcquireAsync(3, week, "order-b")).Granted);
        await budget.SpendAsync(3, week, "order-b"); // the reservation becomes the spent token
        Assert.Equal(1, (await budget.GetSnapshotAsync())!.Remaining);
        await budget.ReleaseAsync("order-b"); // spent: nothing to give back
        Assert.Equal(1, (await budget.CheckAsync(3, week)).Remaining);
    }

    [Fact]
    public async Task FiveFailedAuthorizationsCloseTheIdentifierForTwelveMinutes()
    {
        var budget = Budget(RateLimitNames.AuthorizationFailuresPerIdentifier);
        var hour = TimeSpan.FromHours(1);
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await budget.CheckAsync(5, hour)).Granted);
            await budget.ConsumeAsync(5, hour);
        }
        var closed = await budget.CheckAsync(5, hour);
        Assert.False(closed.Granted);
        Assert.Equal(fixture.Clock.GetUtcNow() + TimeSpan.FromMinutes(12), closed.ReopensAt!.Value, TimeSpan.FromSeconds(1));
        var snapshot = (await budget.GetSnapshotAsync())!;
        Assert.Equal((RateLimitNames.AuthorizationFailuresPerIdentifier, 5, 0), (snapshot.Limit, snapshot.Capacity, snapshot.Remaining));
    }

    [Fact]
    public async Task ACaBlockRefusesEverythingUntilItsTime()
    {
        var budget = Budget(RateLimitNames.CaRetryAfter);
        Assert.True((await budget.CheckAsync(0, TimeSpan.Zero)).Granted);
        var until = fixture.Clock.GetUtcNow() + TimeSpan.FromHours(2);
        await budget.BlockUntilAsync(until, "too many orders");
        await budget.BlockUntilAsync(until - TimeSpan.FromHours(1), "an earlier answer does not shorten the wait");
        var blocked = await budget.CheckAsync(0, TimeSpan.Zero);
        Assert.Equal((false, until, "too many orders"), (blocked.Granted, blocked.ReopensAt!.Value, blocked.BlockedBy));
        Assert.False((await budget.TryAcquireAsync(5, TimeSpan.FromDays(7), "a#1")).Granted);
    }

    [Fact]
    public void ConfigurationProblemsNameTheKey()
    {
        var options = new RateLimitOptions
        {
            Servers =
            [
                new ServerRateLimits { Server = "" },
                new ServerRateLimits { Server = "https://ca.example/dir", OrdersPerAccount = new LimitSetting { Capacity = 0, Period = TimeSpan.FromHours(3) } },
            ],
        };
        var problems = options.Problems("CertFleet:RateLimits").ToList();
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("CertFleet:RateLimits:Servers:0:Server must name an ACME server", problems[0]);
        Assert.StartsWith("CertFleet:RateLimits:Servers:1:OrdersPerAccount needs Capacity ≥ 1", problems[1]);
        Assert.Same(Providers.RateLimits.AcmeRateLimits.LetsEncrypt, options.For("https://acme-v02.api.letsencrypt.org/directory"));
    }
}
