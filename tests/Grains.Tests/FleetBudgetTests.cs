using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Rate-limit budgets and duplicates across the member clusters of a fleet: two members ("east" and "west") each
/// with a ClusterIssuer on this test's fake ACME server and one account key (the same Secret in both), as a fleet
/// that shares one account would have. Budget and identifier-set keys name no cluster, so the members share them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetBudgetTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private string Host => RateLimitKeys.Host(Acme.DirectoryUrl);

    /// <summary>The members' ClusterIssuers, named as the base class's, using its account key.</summary>
    private async Task<string> AddMembersAsync(params string[] clusters)
    {
        var account = Cluster.Secrets.Values.Single(s => s.Key.Cluster == TestObjects.Cluster && s.Key.Name == $"{IssuerName}-account");
        string? accountUrl = null;
        foreach (var cluster in clusters)
        {
            Cluster.Secrets[account.Key with { Cluster = cluster }] = account with { Key = account.Key with { Cluster = cluster } };
            var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(cluster, "", IssuerName).ToGrainKey());
            await issuer.SyncAsync(new IssuerObject
            {
                Kind = "ClusterIssuer",
                Metadata = new ObjectMeta { Name = IssuerName, Uid = $"uid-{IssuerName}-{cluster}", Generation = 1 },
                Spec = new IssuerSpec
                {
                    Acme = new AcmeIssuer
                    {
                        Server = Acme.DirectoryUrl,
                        PrivateKeySecretRef = new SecretKeySelector { Name = $"{IssuerName}-account" },
                        Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } }],
                    },
                },
            });
            var acme = (await Eventually(() => issuer.GetSnapshotAsync(null), s => s.Readiness.Ready, $"{cluster}'s issuer to register")).Acme!;
            Assert.True(accountUrl is null || accountUrl == acme.AccountUrl, "both members use one account");
            accountUrl = acme.AccountUrl;
        }
        return accountUrl!;
    }

    private ICertificateGrain Grain(string cluster, string ns, string name) =>
        Fixture.Grains.GetGrain<ICertificateGrain>(new ObjectKey(cluster, ns, name).ToGrainKey());

    private Condition? Ready(string cluster, string ns, string name) =>
        Cluster.Status<CertificateStatus>(ResourceKind.Certificate, new ObjectKey(cluster, ns, name))?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready);

    private async Task<BudgetSnapshot?> BudgetAsync(string limit, string key) =>
        await Fixture.Grains.GetGrain<IRateLimitBudgetGrain>(RateLimitKeys.Grain(limit, key)).GetSnapshotAsync();

    [Fact]
    public async Task TwoMembersAskingForNamesOfOneRegisteredDomainSplitOneBudget()
    {
        Fixture.RateLimits.Value.Servers.Add(new ServerRateLimits
        {
            Server = Acme.DirectoryUrl,
            CertificatesPerRegisteredDomain = new LimitSetting { Capacity = 3, Period = Week },
            // Refilled slowly enough that the minutes of fake time this test lets pass bring no token back.
            OrdersPerAccount = new LimitSetting { Capacity = 300, Period = Week },
        });
        var accountUrl = await AddMembersAsync("east", "west");
        var ns = NewNamespace();
        async Task IssueAsync(string cluster, string name, string reason)
        {
            await Grain(cluster, ns, name).SyncAsync(AcmeCertificate(ns, name, $"{name}.fleet-budget.example"));
            await WhileTimePasses(() => Eventually(() => Task.FromResult(Ready(cluster, ns, name)?.Reason), r => r == reason, $"{cluster}/{name}: {reason}"));
        }

        // East spends two of the domain's three, west the third; west's next waits for the budget both drew on.
        await IssueAsync("east", "a", CertificateReasons.Ready);
        await IssueAsync("east", "b", CertificateReasons.Ready);
        await IssueAsync("west", "c", CertificateReasons.Ready);
        await IssueAsync("west", "d", CertFleetReasons.RateLimited);
        Assert.Equal(3, Acme.NewOrders);
        Assert.Contains($"\"{Host}/fleet-budget.example\"", Ready("west", ns, "d")!.Message);

        // One budget per registered domain and one per account, whichever member drew on them.
        var domain = await BudgetAsync(RateLimitNames.CertificatesPerRegisteredDomain, $"{Host}/fleet-budget.example");
        Assert.Equal((3, 0), (domain!.Capacity, domain.Remaining));
        var orders = await BudgetAsync(RateLimitNames.OrdersPerAccount, RateLimitKeys.Account(accountUrl));
        Assert.Equal(300 - 3, orders!.Remaining);
        var snapshots = await Fixture.Grains.GetGrain<IRateLimitDirectoryGrain>(IRateLimitDirectoryGrain.SingletonKey).GetSnapshotsAsync();
        Assert.Single(snapshots, s => s.Limit == RateLimitNames.CertificatesPerRegisteredDomain && s.Key.EndsWith("fleet-budget.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DuplicatesInOtherMembersAreCountedWithTheirClustersNamesAndListedInFull()
    {
        await AddMembersAsync("east", "west");
        var ns = NewNamespace();
        string[] names = ["dup.fleet.example", "www.dup.fleet.example"];
        await Grain("east", ns, "site").SyncAsync(AcmeCertificate(ns, "site", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Ready("east", ns, "site")?.Reason), r => r == CertificateReasons.Ready, "east's first"));
        // The same set in west (same namespace and name) and once more in east, in another namespace.
        var other = NewNamespace();
        await Grain("west", ns, "site").SyncAsync(AcmeCertificate(ns, "site", names));
        await Grain("east", other, "copy").SyncAsync(AcmeCertificate(other, "copy", names));

        var (east, west) = await WhileTimePasses(() => Eventually(() => Task.FromResult((Ready("east", ns, "site")?.Message, Ready("west", ns, "site")?.Message)),
            m => m.Item1?.Contains("duplicate: 1 Certificate in another namespace and 1 Certificate in cluster west ask") == true
                 && m.Item2?.Contains("duplicate: 2 Certificates in cluster east ask the same ACME server") == true,
            "each Ready message to count the others by cluster"));
        // West's Certificate of the same namespace and name is not named on east: it is another cluster's object.
        Assert.DoesNotContain("Certificate \"", east);
        Assert.DoesNotContain(other, west);
        Assert.DoesNotContain("copy", west);
        await Eventually(() => Task.FromResult(Cluster.Events.Where(e => e.Reason == CertFleetReasons.DuplicateCertificate && e.Type == "Warning").ToList()),
            e => e.Any(x => x.Object.Cluster == "west" && x.Message.Contains("in cluster east")) && e.Any(x => x.Object.Cluster == "east" && x.Message.Contains("in cluster west")),
            "a Warning Event in each member naming the other cluster");

        // Each Certificate's state holds the others by cluster, namespace and name: what the fleet view lists in full.
        var state = await Grain("east", ns, "site").GetStateAsync();
        Assert.Equal(RateLimitKeys.IdentifierSet(Host, RateLimitKeys.Normalize(names)), state.IdentifierSetKey);
        Assert.Equal([new ObjectKey("east", other, "copy"), new ObjectKey("west", ns, "site")],
            state.Duplicates.OrderBy(h => h.Cluster, StringComparer.Ordinal).ThenBy(h => h.Name, StringComparer.Ordinal));
    }
}
