using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces.Grains;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Let's Encrypt exempts ARI renewals carrying "replaces" from all its limits: with every budget of a CA spent, such
/// an order is neither held back nor charged, while a new order and a plain renewal wait. Only the CA's own
/// Retry-After still holds it. Each case has a CA and an account of its own, so the budgets (keyed by them) are its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AriRenewalBudgetTests(ClusterFixture fixture)
{
    private static readonly LimitSetting One = new() { Capacity = 1, Period = TimeSpan.FromDays(7) };
    private static readonly string[] Names = ["www.ari.example.com"];
    private const string Spent = "spent";

    public static TheoryData<string, bool, bool, bool, string?> Cases() => new()
    {
        // case, renewal, replaces, CA answered 429 before, limit that holds the order back (null: none, "spent": one of the spent budgets)
        { "a new order for the same names", false, false, false, Spent },
        { "a renewal without ARI", true, false, false, Spent },
        { "an ARI renewal carrying replaces", true, true, false, null },
        { "an ARI renewal after the CA's own 429", true, true, true, RateLimitNames.CaRetryAfter },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EverySpentBudgetHoldsBackAllButARIRenewals(string name, bool renewal, bool replaces, bool retryAfter, string? heldBy)
    {
        var server = $"https://{Guid.NewGuid():N}.ca.test/directory";
        var budgets = Budgets(server);
        var grains = fixture.Grains;
        var first = new RateLimitBudgets.Order(server, AccountOf(server), Names, Renewal: false);
        Assert.Null(await budgets.TakeNewOrderAsync(grains, first, "first"));
        await budgets.NewOrderAnsweredAsync(grains, first, "first", created: true);
        await budgets.RecordIssuedAsync(grains, first, "first");
        await budgets.RecordAuthorizationFailuresAsync(grains, server, first.AccountUrl, Names);
        if (retryAfter)
            await budgets.RecordRetryAfterAsync(grains, server, Names, fixture.Clock.GetUtcNow().AddDays(30), "too many certificates");

        var next = first with { Renewal = renewal, Replaces = replaces };
        var checkedWait = await budgets.CheckAsync(grains, next);
        var takenWait = await budgets.TakeNewOrderAsync(grains, next, "next");

        Assert.True(name.Length > 0);
        Assert.Equal(heldBy is null, checkedWait is null);
        Assert.Equal(heldBy is null, takenWait is null);
        if (heldBy is not null)
        {
            // The CA's 429 reopens last (30 days) and is named; otherwise any of the spent budgets of a week may be.
            string[] limits = heldBy == Spent
                ? [RateLimitNames.OrdersPerAccount, RateLimitNames.CertificatesPerRegisteredDomain, RateLimitNames.CertificatesPerIdentifierSet,
                    RateLimitNames.AuthorizationFailuresPerIdentifier]
                : [heldBy];
            Assert.Contains(checkedWait!.Limit, limits);
            Assert.Contains(takenWait!.Limit, limits);
        }
    }

    [Fact]
    public async Task AnIssuedARIRenewalSpendsNoToken()
    {
        var server = $"https://{Guid.NewGuid():N}.ca.test/directory";
        var budgets = Budgets(server);
        var grains = fixture.Grains;
        var ari = new RateLimitBudgets.Order(server, AccountOf(server), Names, Renewal: true, Replaces: true);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await budgets.TakeNewOrderAsync(grains, ari, $"ari-{i}"));
            await budgets.NewOrderAnsweredAsync(grains, ari, $"ari-{i}", created: true);
            await budgets.RecordIssuedAsync(grains, ari, $"ari-{i}");
        }

        // Three ARI renewals later, an ordinary order still finds each budget of one token untouched.
        Assert.Null(await budgets.CheckAsync(grains, ari with { Renewal = false, Replaces = false }));
    }

    /// <summary>The failure budgets are keyed by account, not by server: each case has an account of its own too.</summary>
    private static string AccountOf(string server) => server.Replace("/directory", "/acct/1", StringComparison.Ordinal);

    private RateLimitBudgets Budgets(string server)
    {
        var options = new RateLimitOptions();
        options.Servers.Add(new ServerRateLimits
        {
            Server = server, OrdersPerAccount = One, CertificatesPerRegisteredDomain = One, CertificatesPerIdentifierSet = One,
            AuthorizationFailuresPerIdentifier = One,
        });
        return new RateLimitBudgets(Options.Create(options), Providers.RateLimits.PublicSuffixList.Load(Providers.RateLimits.PublicSuffixList.DebianPath));
    }
}
