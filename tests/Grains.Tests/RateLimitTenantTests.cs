using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Rate-limit budgets between tenants, through the whole grain chain against a fake ACME server: what one namespace's
/// Certificates hold (nothing until an order is on its way to a certificate), what a failed order gives back, whose
/// new-order budget an order draws on (its account's), and when a certificate is counted (when issued).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTenantTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private string Host => RateLimitKeys.Host(Acme.DirectoryUrl);

    private void Limit(Action<ServerRateLimits> configure)
    {
        var server = new ServerRateLimits { Server = Acme.DirectoryUrl };
        configure(server);
        Fixture.RateLimits.Value.Servers.Add(server);
    }

    /// <summary>Tokens left in a budget; its capacity while it was never used.</summary>
    private async Task<int> RemainingAsync(string limit, string key, int capacity) =>
        (await Fixture.Grains.GetGrain<IRateLimitBudgetGrain>(RateLimitKeys.Grain(limit, key)).GetSnapshotAsync())?.Remaining ?? capacity;

    private string SetKey(params string[] names) => RateLimitKeys.IdentifierSet(Host, RateLimitKeys.Normalize(names));

    private Certificate CertificateOf(string ns, string name, string issuer, string kind, params string[] dnsNames) =>
        Certificate(ns, name, s => { s.IssuerName = issuer; s.IssuerKind = kind; s.DnsNames = [.. dnsNames]; });

    private int RateLimitedEvents(string ns) => Cluster.Events.Count(e => e.Object.Namespace == ns && e.Reason == CertFleetReasons.RateLimited);

    [Fact]
    public async Task TenPendingCertificatesInOneNamespaceDoNotHoldBackTheRenewalOfTheirNamesInAnother()
    {
        Limit(s =>
        {
            s.CertificatesPerIdentifierSet = new LimitSetting { Capacity = 5, Period = Week };
            s.CertificatesPerRegisteredDomain = new LimitSetting { Capacity = 50, Period = Week };
            // Refilled slowly enough that the minutes of fake time this test lets pass bring no token back.
            s.OrdersPerAccount = new LimitSetting { Capacity = 300, Period = Week };
        });
        string[] names = ["shop.tenant-b.example", "www.shop.tenant-b.example"];
        var (nsA, nsB) = (NewNamespace(), NewNamespace());
        await Grain(nsB, "shop").SyncAsync(AcmeCertificate(nsB, "shop", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, nsB, "shop")), s => s?.Revision == 1, "B's certificate"));
        Assert.Equal(4, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5));

        // Namespace A asks for B's names through an Issuer of its own (its own account), and can never validate them:
        // its orders stay pending on challenges its broken solver cannot present.
        var hostile = await AddIssuerAsync(nsA, "hostile", new AcmeChallengeSolver
        {
            Dns01 = new AcmeDns01Solver
            {
                Route53 = new AcmeDns01Route53
                {
                    Role = "arn:aws:iam::123456789012:role/dns01",
                    Auth = new AcmeDns01Route53Auth { Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = "missing" } } },
                },
            },
        });
        Acme.StallOrdersOf(hostile.AccountUrl);
        var pending = Enumerable.Range(0, 10).Select(i => $"squat-{i}").ToList();
        foreach (var name in pending)
            await Grain(nsA, name).SyncAsync(CertificateOf(nsA, name, "hostile", "Issuer", names));
        // All ten orders placed at the CA and waiting there, holding no certificate token. An order that meets five
        // others' reservations (held between newOrder and the CA's pending answer) ends at once and asks again a fake
        // minute later.
        await WhileTimePasses(() => Eventually(async () => $"{Acme.NewOrders} orders, {await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5)} left",
            x => x == "11 orders, 4 left", "A's ten orders pending at the CA with the identifier set's budget untouched", seconds: 30));
        Assert.All(pending, n => Assert.NotEqual(CertificateReasons.Ready, Reason(nsA, n, ConditionTypes.Ready)));
        Assert.Equal(300 - 10, await RemainingAsync(RateLimitNames.OrdersPerAccount, RateLimitKeys.Account(hostile.AccountUrl), 300));

        // B renews (as `cmctl renew` asks): issued at once, without a rate-limit wait.
        var ready = ConditionOf(Cluster, nsB, "shop", ConditionTypes.Ready)!;
        var renewStarted = Fixture.Clock.GetUtcNow();
        await Grain(nsB, "shop").SyncAsync(AcmeCertificate(nsB, "shop", names) with
        {
            Status = new CertificateStatus
            {
                Revision = 1,
                Conditions =
                [
                    ready,
                    new Condition { Type = ConditionTypes.Issuing, Status = ConditionStatus.True, Reason = CertificateReasons.ManuallyTriggered, Message = "renew" },
                ],
            },
        });
        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, nsB, "shop")), s => s?.Revision == 2, "B's renewal"));
        Console.WriteLine($"B's renewal issued after {(Fixture.Clock.GetUtcNow() - renewStarted).TotalSeconds:0.#} s of fake time, with A's ten orders pending");
        Assert.InRange(Fixture.Clock.GetUtcNow() - renewStarted, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal(0, RateLimitedEvents(nsB));
        Assert.Equal(12, Acme.NewOrders);
        Assert.Equal(3, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5));
    }

    [Fact]
    public async Task AnOrderThatFailsBeforeIssuanceGivesBackItsCertificateTokensAndKeepsItsNewOrderSpent()
    {
        Limit(s =>
        {
            s.CertificatesPerIdentifierSet = new LimitSetting { Capacity = 1, Period = Week };
            s.CertificatesPerRegisteredDomain = new LimitSetting { Capacity = 1, Period = Week };
            s.OrdersPerAccount = new LimitSetting { Capacity = 5, Period = Week };
        });
        var account = RateLimitKeys.Account((await Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", IssuerName).ToGrainKey())
            .GetSnapshotAsync(null)).Acme!.AccountUrl);
        string[] names = ["api.giveback.example"];
        var (nsA, nsB) = (NewNamespace(), NewNamespace());
        Acme.FailNextOrders(1);
        await Grain(nsA, "failing").SyncAsync(AcmeCertificate(nsA, "failing", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(ConditionOf(Cluster, nsA, "failing", ConditionTypes.Issuing)),
            c => c is { Status: ConditionStatus.False }, "the failed issuance"));
        Assert.Contains("the fake CA failed this order", ConditionOf(Cluster, nsA, "failing", ConditionTypes.Issuing)!.Message);
        Assert.Equal(1, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 1));
        Assert.Equal(1, await RemainingAsync(RateLimitNames.CertificatesPerRegisteredDomain, $"{Host}/giveback.example", 1));
        Assert.Equal(4, await RemainingAsync(RateLimitNames.OrdersPerAccount, account, 5)); // the CA counted the order

        // The tokens came back: another namespace's Certificate for the same names is issued at once.
        await Grain(nsB, "working").SyncAsync(AcmeCertificate(nsB, "working", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(nsB, "working", ConditionTypes.Ready)), r => r == CertificateReasons.Ready, "the second Certificate"));
        Assert.Equal(0, RateLimitedEvents(nsB));
        Assert.Equal(0, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 1));
        Assert.Equal(0, await RemainingAsync(RateLimitNames.CertificatesPerRegisteredDomain, $"{Host}/giveback.example", 1));
        Assert.Equal(3, await RemainingAsync(RateLimitNames.OrdersPerAccount, account, 5));
    }

    [Fact]
    public async Task TwoAccountsOnOneServerHaveANewOrderBudgetEach()
    {
        Limit(s => s.OrdersPerAccount = new LimitSetting { Capacity = 1, Period = Week });
        var first = (await Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", IssuerName).ToGrainKey()).GetSnapshotAsync(null)).Acme!;
        var secondName = $"acme-{Guid.NewGuid():N}"[..16];
        var second = await AddIssuerAsync("", secondName, new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } });
        Assert.NotEqual(first.AccountUrl, second.AccountUrl);
        // Keys are pinned (they name stored grains): the account URL without its scheme, whatever the namespace.
        Assert.Equal($"{Host}/account/1", RateLimitKeys.Account(first.AccountUrl));
        Assert.Equal($"{Host}/account/2", RateLimitKeys.Account(second.AccountUrl));

        var ns = NewNamespace();
        await Grain(ns, "one").SyncAsync(AcmeCertificate(ns, "one", "one.accounts.example"));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(ns, "one", ConditionTypes.Ready)), r => r == CertificateReasons.Ready, "the first account's order"));
        // The first account's only token is spent; the second account, on the same host, still has its own.
        await Grain(ns, "two").SyncAsync(CertificateOf(ns, "two", secondName, "ClusterIssuer", "two.accounts.example"));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(ns, "two", ConditionTypes.Ready)), r => r == CertificateReasons.Ready, "the second account's order"));
        Assert.Equal(0, RateLimitedEvents(ns));

        await Grain(ns, "three").SyncAsync(AcmeCertificate(ns, "three", "three.accounts.example"));
        var issuing = await WhileTimePasses(() => Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "three", ConditionTypes.Issuing)),
            c => c?.Reason == CertFleetReasons.RateLimited, "the first account's next order to wait"));
        Assert.Contains($"{RateLimitNames.OrdersPerAccount} for \"{Host}/account/1\"", issuing!.Message);
        Assert.Equal(2, Acme.NewOrders);
        Assert.Equal(0, await RemainingAsync(RateLimitNames.OrdersPerAccount, $"{Host}/account/1", 1));
        Assert.Equal(0, await RemainingAsync(RateLimitNames.OrdersPerAccount, $"{Host}/account/2", 1));
    }

    [Fact]
    public async Task TheIdentifierSetIsCountedOnceWhenTheCertificateIsIssued()
    {
        Limit(s => s.CertificatesPerIdentifierSet = new LimitSetting { Capacity = 5, Period = Week });
        string[] names = ["counted.example"];
        var ns = NewNamespace();
        Acme.HoldIssuance();
        await Grain(ns, "held").SyncAsync(AcmeCertificate(ns, "held", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Acme.Finalized), f => f == 1, "the order finalized, its certificate not yet issued"));
        // Held for the seconds to the certificate, so concurrent orders cannot overspend; not yet counted as issued.
        Assert.Equal(4, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5));
        Assert.Null((await Grain(ns, "held").GetStateAsync()).Revision);

        Acme.ReleaseIssuance();
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(ns, "held", ConditionTypes.Ready)), r => r == CertificateReasons.Ready, "the issued certificate"));
        // The held token became the spent one: one certificate, one token.
        Assert.Equal(4, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5));

        // An order for the same set that the CA fails counts nothing.
        Acme.FailNextOrders(1);
        await Grain(ns, "again").SyncAsync(AcmeCertificate(ns, "again", names));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "again", ConditionTypes.Issuing)),
            c => c is { Status: ConditionStatus.False }, "the failed issuance"));
        Assert.Equal(4, await RemainingAsync(RateLimitNames.CertificatesPerIdentifierSet, SetKey(names), 5));
    }
}
