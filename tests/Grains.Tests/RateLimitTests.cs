using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Rate-limit budgets, a CA's 429 and duplicate detection, through the whole grain chain (Certificate,
/// CertificateRequest, Order) against a fake ACME server that counts newOrder. Each test has its own server, so its
/// budgets (keyed by the server's host:port) are its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    private void Limit(Action<ServerRateLimits> configure)
    {
        var server = new ServerRateLimits { Server = Acme.DirectoryUrl };
        configure(server);
        Fixture.RateLimits.Value.Servers.Add(server);
    }

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TenCertificatesUnderOneRegisteredDomainWithABudgetOfFiveOrderFiveAndTheRestWaitUntilItReopens()
    {
        Limit(s => s.CertificatesPerRegisteredDomain = new LimitSetting { Capacity = 5, Period = TimeSpan.FromDays(7) });
        var ns = NewNamespace();
        var start = Fixture.Clock.GetUtcNow();
        var names = Enumerable.Range(0, 10).Select(i => $"c{i}").ToList();
        // Different hosts, one registered domain under a multi-label public suffix (co.uk).
        foreach (var name in names)
            await Grain(ns, name).SyncAsync(AcmeCertificate(ns, name, $"{name}.shop.example.co.uk"));

        // One token back every 33.6 h; fake time moved on by minutes while the five were issued. The five turned away
        // while the others' orders held tokens ask again a minute later, and then wait for the refill.
        var earliest = start + TimeSpan.FromDays(7) / 5;
        await WhileTimePasses(() => Eventually(async () =>
            {
                var seen = new List<(string? Reason, DateTimeOffset? WakeAt)>();
                foreach (var name in names)
                    seen.Add((Reason(ns, name, ConditionTypes.Ready), (await Grain(ns, name).GetStateAsync()).WakeAt));
                return seen;
            },
            r => r.Count(x => x.Reason == CertificateReasons.Ready) == 5 && r.Count(x => x.Reason == CertFleetReasons.RateLimited && x.WakeAt >= earliest) == 5,
            "five Ready and five RateLimited until the budget refills"));
        Assert.Equal(5, Acme.NewOrders);

        var waiting = names.Where(n => Reason(ns, n, ConditionTypes.Ready) == CertFleetReasons.RateLimited).ToList();
        var host = RateLimitKeys.Host(Acme.DirectoryUrl);
        DateTimeOffset reopens = default;
        foreach (var name in waiting)
        {
            var issuing = ConditionOf(Cluster, ns, name, ConditionTypes.Issuing)!;
            reopens = (await Grain(ns, name).GetStateAsync()).WakeAt!.Value;
            Assert.InRange(reopens, earliest, earliest + TimeSpan.FromMinutes(10));
            Assert.Equal(CertFleetReasons.RateLimited, issuing.Reason);
            Assert.Contains(RateLimitNames.CertificatesPerRegisteredDomain, issuing.Message);
            Assert.Contains($"\"{host}/example.co.uk\"", issuing.Message);
            Assert.Contains(Rfc3339(reopens), issuing.Message);
            Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns && k.Name.StartsWith($"{name}-", StringComparison.Ordinal));
        }
        // The Warning Event is recorded once per wait, not on every pass.
        await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object.Namespace == ns && e.Reason == CertFleetReasons.RateLimited)),
            c => c == 5, "one RateLimited Event per waiting Certificate");

        // A reconcile before the budget reopens orders nothing.
        foreach (var name in waiting)
            await Grain(ns, name).ReconcileAsync();
        Assert.Equal(5, Acme.NewOrders);

        var snapshot = (await Fixture.Grains.GetGrain<IRateLimitDirectoryGrain>(IRateLimitDirectoryGrain.SingletonKey).GetSnapshotsAsync())
            .Single(s => s.Limit == RateLimitNames.CertificatesPerRegisteredDomain && s.Key == $"{host}/example.co.uk");
        Assert.Equal((host, 5, 0), (snapshot.Server, snapshot.Capacity, snapshot.Remaining));
        Assert.InRange(snapshot.ReopensAt!.Value, earliest, earliest + TimeSpan.FromMinutes(10));

        // A week later the bucket is full again: the reminders wake the five and they are issued.
        Fixture.Clock.Advance(TimeSpan.FromDays(7));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(names.Count(n => Reason(ns, n, ConditionTypes.Ready) == CertificateReasons.Ready)),
            c => c == 10, "all ten Ready after the budget refilled", seconds: 30));
        Assert.Equal(10, Acme.NewOrders);
        Assert.Equal(10, Acme.OrderedIdentifierSets.Distinct().Count());
    }

    [Fact]
    public async Task ARenewalOfTheSameIdentifierSetIsExemptFromTheRegisteredDomainBudget()
    {
        Limit(s => s.CertificatesPerRegisteredDomain = new LimitSetting { Capacity = 1, Period = TimeSpan.FromDays(7) });
        var ns = NewNamespace();
        var grain = Grain(ns, "renewed");
        await grain.SyncAsync(AcmeCertificate(ns, "renewed", "www.renewal.example"));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "renewed")), s => s?.Revision == 1, "revision 1"));
        Assert.Equal(1, Acme.NewOrders);

        // Renewal (as `cmctl renew` asks for it): same identifiers, so the spent registered-domain budget does not apply.
        var ready = ConditionOf(Cluster, ns, "renewed", ConditionTypes.Ready)!;
        await grain.SyncAsync(AcmeCertificate(ns, "renewed", "www.renewal.example") with
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
        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "renewed")), s => s?.Revision == 2, "revision 2 despite the spent budget"));
        Assert.Equal(2, Acme.NewOrders);

        // A new identifier set under the same registered domain is not a renewal: it waits.
        await Grain(ns, "other").SyncAsync(AcmeCertificate(ns, "other", "api.renewal.example"));
        await Eventually(() => Task.FromResult(Reason(ns, "other", ConditionTypes.Ready)), r => r == CertFleetReasons.RateLimited, "the new set to wait");
        Assert.Equal(2, Acme.NewOrders);
    }

    [Fact]
    public async Task ATooManyRequestsAnswerIsWaitedOutWithoutCountingAsAFailedIssuance()
    {
        Acme.RateLimitNextOrders(1, retryAfterSeconds: 3600);
        var ns = NewNamespace();
        var grain = Grain(ns, "limited");
        var now = Fixture.Clock.GetUtcNow();
        var retryAt = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) + TimeSpan.FromHours(1);
        await grain.SyncAsync(AcmeCertificate(ns, "limited", "limited.example.org"));

        var issuing = await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "limited", ConditionTypes.Issuing)),
            c => c?.Reason == CertFleetReasons.RateLimited, "Issuing reason RateLimited after the 429");
        Assert.Contains("429", issuing!.Message);
        Assert.Contains(Rfc3339(retryAt), issuing.Message);
        Assert.Equal(CertFleetReasons.RateLimited, Reason(ns, "limited", ConditionTypes.Ready));
        var state = await grain.GetStateAsync();
        Assert.Equal(0, state.FailedIssuanceAttempts);
        Assert.Null(StatusOf(Cluster, ns, "limited")!.FailedIssuanceAttempts);
        Assert.Equal(retryAt, state.WakeAt);
        Assert.Equal(1, Acme.NewOrders);

        // Nothing reaches the CA before Retry-After, however often the Certificate is reconciled.
        await grain.ReconcileAsync();
        Fixture.Clock.Advance(TimeSpan.FromMinutes(59));
        await grain.ReconcileAsync();
        Assert.Equal(1, Acme.NewOrders);

        Fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(ns, "limited", ConditionTypes.Ready)), r => r == CertificateReasons.Ready,
            "issued once Retry-After has passed"));
        Assert.Equal(2, Acme.NewOrders);
        Assert.Equal(0, (await grain.GetStateAsync()).FailedIssuanceAttempts);
        Assert.Null(StatusOf(Cluster, ns, "limited")!.FailedIssuanceAttempts);
    }

    [Fact]
    public async Task DuplicatesInTheSameNamespaceAreNamedAndThoseInOtherNamespacesOnlyCounted()
    {
        var (nsA, nsB) = (NewNamespace(), NewNamespace());
        await Grain(nsA, "alpha-site").SyncAsync(AcmeCertificate(nsA, "alpha-site", "dup.example.net", "www.dup.example.net"));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Reason(nsA, "alpha-site", ConditionTypes.Ready)), r => r == CertificateReasons.Ready, "the first Ready"));
        // Same set in another order and letter case: one in another namespace, one in the same.
        await Grain(nsB, "beta-copy").SyncAsync(AcmeCertificate(nsB, "beta-copy", "WWW.dup.example.net", "dup.example.net"));
        await Grain(nsA, "alpha-twin").SyncAsync(AcmeCertificate(nsA, "alpha-twin", "dup.example.net", "www.dup.example.net"));

        string? Message(string ns, string name) => ConditionOf(Cluster, ns, name, ConditionTypes.Ready)?.Message;
        var (site, copy) = await WhileTimePasses(() => Eventually(() => Task.FromResult((Message(nsA, "alpha-site"), Message(nsB, "beta-copy"))),
            m => m.Item1?.Contains("1 Certificate in another namespace") == true && m.Item2?.Contains("2 Certificates in other namespaces") == true,
            "each Ready message to count the duplicates"));
        Assert.Contains("duplicate: Certificate \"alpha-twin\" and 1 Certificate in another namespace ask the same ACME server", site);
        Assert.Contains("duplicate: 2 Certificates in other namespaces ask the same ACME server", copy);
        var events = await Eventually(() => Task.FromResult(Cluster.Events.Where(e => e.Reason == CertFleetReasons.DuplicateCertificate && e.Type == "Warning")
                .Select(e => (e.Object.Namespace, e.Message)).ToList()),
            e => e.Any(x => x.Namespace == nsA && x.Message.Contains("in another namespace")) && e.Any(x => x.Namespace == nsB && x.Message.Contains("in other namespaces")),
            "a Warning Event on each, counting the others");
        // Nothing in one namespace's status or Events names the other namespace or its Certificates.
        foreach (var text in events.Where(x => x.Namespace == nsA).Select(x => x.Message).Append(site!))
            Assert.DoesNotContain(nsB, text);
        foreach (var text in events.Where(x => x.Namespace == nsB).Select(x => x.Message).Append(copy!))
        {
            Assert.DoesNotContain(nsA, text);
            Assert.DoesNotContain("alpha-", text);
        }
        Assert.DoesNotContain(Cluster.Events, e => e.Object.Namespace == nsA && e.Message.Contains("beta-copy"));

        await Grain(nsB, "beta-copy").DeletedAsync($"uid-beta-copy-{nsB}");
        await Eventually(() => Task.FromResult(Message(nsA, "alpha-site")), m => m?.Contains("duplicate: Certificate \"alpha-twin\" asks") == true,
            "only the twin once the other namespace's copy is deleted");
        await Grain(nsA, "alpha-twin").DeletedAsync($"uid-alpha-twin-{nsA}");
        await Eventually(() => Task.FromResult(Message(nsA, "alpha-site")), m => m?.Contains("duplicate") == false,
            "the note to go once both are deleted");
        Assert.Empty((await Grain(nsA, "alpha-site").GetStateAsync()).Duplicates);
    }
}
