using CertFleet.Grains.Fleet;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests;

/// <summary>The fleet view's data: a member's reports, the overview the fleet API answers, and the duplicate-set directory.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetViewTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly FleetCertificateCounts NoCertificates = new(0, 0, 0, 0, 0);

    private static FleetMemberReport Report(string cluster, bool reachable, DateTimeOffset at, DateTimeOffset? unreachableSince = null,
        string silo = "silo-0", IReadOnlyList<FleetCertificateEntry>? certificates = null, int leftOut = 0, FleetCertificateCounts? counts = null) =>
        new(cluster, silo, at, reachable, unreachableSince, reachable ? null : "connection refused", counts ?? NoCertificates,
            certificates ?? [], leftOut, []);

    private static FleetCertificateEntry Entry(string cluster, string name, int daysLeft) =>
        new(cluster, "apps", name, "True", Now.AddDays(daysLeft), Now.AddDays(daysLeft - 10), false, "ClusterIssuer/ca");

    [Fact]
    public async Task AMemberKeepsTheFirstUnreachableSinceOfAnOutage_EvenWhenAnotherSiloTakesOver_AndForgetsItOnceAnswering()
    {
        var member = fixture.Grains.GetGrain<IFleetMemberGrain>($"east-{Guid.NewGuid():N}");
        Assert.Null(await member.GetAsync());

        await member.ReportAsync(Report("east", reachable: false, Now, unreachableSince: Now.AddMinutes(-3)));
        // The silo that takes over knows only its own, later, first failure.
        await member.ReportAsync(Report("east", reachable: false, Now.AddSeconds(30), unreachableSince: Now.AddSeconds(20), silo: "silo-1"));
        var during = await member.GetAsync();
        Assert.Equal(Now.AddMinutes(-3), during!.UnreachableSince);
        Assert.Equal("silo-1", during.WatchingSilo);

        await member.ReportAsync(Report("east", reachable: true, Now.AddMinutes(1), silo: "silo-1"));
        await member.ReportAsync(Report("east", reachable: false, Now.AddMinutes(2), unreachableSince: Now.AddMinutes(2), silo: "silo-1"));
        // A new outage after an answer starts afresh.
        Assert.Equal(Now.AddMinutes(2), (await member.GetAsync())!.UnreachableSince);
    }

    [Fact]
    public void TheStatusListsEveryMember_HomeFirst_WithItsReport_OrWithoutOneAsNotReported_AndCallsOldReportsStale()
    {
        var labels = new Dictionary<string, string> { ["region"] = "eu" };
        FleetMemberRegistration[] members =
        [
            new("west", "secret", labels), new("home", "home", new Dictionary<string, string>()), new("east", "secret", labels),
        ];
        var reports = new Dictionary<string, FleetMemberReport>
        {
            ["home"] = Report("home", reachable: true, Now.AddSeconds(-4), counts: new FleetCertificateCounts(12, 10, 2, 3, 1)),
            ["east"] = Report("east", reachable: false, Now.AddMinutes(-2), unreachableSince: Now.AddMinutes(-5), silo: "silo-1"),
        };
        BudgetSnapshot[] budgets = [new("acme.test", RateLimitNames.OrdersPerAccount, "acme.test/acct/1", 300, TimeSpan.FromHours(3), 297, null)];

        var status = FleetOverview.Status(members, reports, budgets, Now);

        Assert.Equal(["home", "east", "west"], status.Members.Select(m => m.Name));
        var home = status.Members[0];
        Assert.Equal((true, false, "silo-0", new FleetCertificateCounts(12, 10, 2, 3, 1)), (home.Reachable!.Value, home.Stale, home.WatchingSilo!, home.Certificates!));
        var east = status.Members[1];
        Assert.Equal((false, true, Now.AddMinutes(-5), "silo-1"), (east.Reachable!.Value, east.Stale, east.UnreachableSince!.Value, east.WatchingSilo!));
        Assert.Equal("connection refused", east.LastError);
        var west = status.Members[2];
        Assert.Equal(("secret", labels), (west.Source, west.Labels));
        Assert.Null(west.Reachable);
        Assert.Null(west.Certificates);
        Assert.Equal(297, Assert.Single(status.Budgets).Remaining);
    }

    [Fact]
    public void CertificatesAreListedAcrossMembersBySoonestExpiry_AWindowKeepsTheCloseOnes_AndCutListsMarkTheirMemberIncomplete()
    {
        FleetMemberRegistration[] members =
        [
            new("home", "home", new Dictionary<string, string>()), new("east", "secret", new Dictionary<string, string>()),
            new("west", "secret", new Dictionary<string, string>()),
        ];
        var reports = new Dictionary<string, FleetMemberReport>
        {
            ["home"] = Report("home", true, Now, certificates: [Entry("home", "a", 5), Entry("home", "b", 40)]),
            // east listed only its two soonest: within 30 days it may have more; within 3 it cannot.
            ["east"] = Report("east", true, Now, certificates: [Entry("east", "c", 2), Entry("east", "d", 20)], leftOut: 7),
        };

        var within30 = FleetOverview.Certificates(members, reports, TimeSpan.FromDays(30), Now);
        Assert.Equal(["east/c", "home/a", "east/d"], within30.Certificates.Select(c => $"{c.Cluster}/{c.Name}"));
        Assert.Equal(["east", "west"], within30.Incomplete);

        var within3 = FleetOverview.Certificates(members, reports, TimeSpan.FromDays(3), Now);
        Assert.Equal(["east/c"], within3.Certificates.Select(c => $"{c.Cluster}/{c.Name}"));
        Assert.Equal(["west"], within3.Incomplete);

        var all = FleetOverview.Certificates(members, reports, null, Now);
        Assert.Equal(["east/c", "home/a", "east/d", "home/b"], all.Certificates.Select(c => $"{c.Cluster}/{c.Name}"));
    }

    [Fact]
    public async Task TheDuplicateDirectoryListsASetWhileTwoCertificatesHoldIt_WithBothHolders_AndDropsItWhenOneIsLeft()
    {
        var setKey = $"acme-{Guid.NewGuid():N}.test/web.example.com";
        var set = fixture.Grains.GetGrain<IIdentifierSetGrain>(setKey);
        var directory = fixture.Grains.GetGrain<IDuplicateSetDirectoryGrain>(IDuplicateSetDirectoryGrain.SingletonKey);
        ObjectKey home = new("home", "shop", "web"), east = new("east", "store", "web");

        await set.HoldAsync(home);
        Assert.DoesNotContain(await directory.ListAsync(), listed => listed.Key == setKey);

        await set.HoldAsync(east);
        await set.HoldAsync(east); // a Certificate's next pass: no change
        var duplicated = Assert.Single(await directory.ListAsync(), listed => listed.Key == setKey);
        Assert.Equal([home, east], duplicated.Holders);

        await set.DropAsync(home);
        Assert.DoesNotContain(await directory.ListAsync(), listed => listed.Key == setKey);
    }
}
