using System.Diagnostics;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Steps of the several-silo fault tests, and the end every one of them asserts: every Certificate Ready at revision 1
/// from exactly one ACME order, with no failed attempt anywhere on the way (no CertificateRequest or Order that
/// failed, no failure counted on a Certificate, no Warning Event about any of them).
/// </summary>
public abstract class ClusterFaultSteps(SiloClusterFixture cluster, ITestOutputHelper output) : AcmeSteps(cluster)
{
    protected SiloClusterFixture Cluster => cluster;

    protected ITestOutputHelper Output => output;

    protected static List<string> Names(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i:000}")];

    protected static string DnsName(string ns, string name) => $"{name}.{ns}.cluster.example";

    protected async Task ApplyCertificatesAsync(string ns, string issuer, IEnumerable<string> names)
    {
        var yaml = Manifests.EcdsaCertificates(ns, issuer, names, name => DnsName(ns, name));
        var applied = await cluster.ApplyAsync(yaml);
        Assert.True(applied.ExitCode == 0, applied.Error);
    }

    /// <summary>Waits until <paramref name="more"/> newOrder requests more than now reached the CA: work is in flight.</summary>
    protected Task NewOrdersAsync(int more, int seconds = 240)
    {
        var target = cluster.Proxy.Requests(AcmeRequestKind.NewOrder) + more;
        return Processes.Eventually(() => Task.FromResult(cluster.Proxy.Requests(AcmeRequestKind.NewOrder)), n => n >= target,
            $"newOrder #{target} (silo logs: {cluster.Logs})", seconds);
    }

    /// <summary>Waits until every named Certificate is Ready; returns how long that took.</summary>
    protected async Task<TimeSpan> AllReadyAsync(string ns, IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await Processes.Eventually(async () =>
            {
                var (code, listed, _) = await cluster.KubectlAsync("-n", ns, "get", "certificates", "-o",
                    "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
                if (code != 0)
                    return "(the API server did not answer)";
                var ready = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("=True", StringComparison.Ordinal))
                    .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet();
                var waiting = names.Where(n => !ready.Contains(n)).ToList();
                return waiting.Count == 0 ? "" : $"{waiting.Count} not Ready: {string.Join(", ", waiting.Take(10))}";
            }, notReady => notReady.Length == 0, $"every Certificate in {ns} to be Ready (silo logs: {cluster.Logs})",
            (int)timeout.TotalSeconds);
        return clock.Elapsed;
    }

    /// <summary>The end every fault test asserts (see the class summary).</summary>
    protected async Task AssertIssuedOnceWithoutFailureAsync(string ns, IReadOnlyCollection<string> names)
    {
        var created = cluster.Proxy.OrdersCreated;
        var orderCounts = names.Select(n => (Name: n, Orders: created.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, n))))).ToList();
        Assert.True(orderCounts.All(c => c.Orders == 1),
            "ACME orders per Certificate: " + string.Join(", ", orderCounts.Where(c => c.Orders != 1).Select(c => $"{c.Name} {c.Orders}")));

        // One CertificateRequest each, of revision 1, Ready and never failed.
        var requests = await ListAsync(ns, "certificaterequests",
            "{.metadata.name}|{.status.conditions[?(@.type==\"Ready\")].status}|{.status.conditions[?(@.type==\"Ready\")].reason}|{.status.failureTime}");
        Assert.Equal(names.Select(n => $"{n}-1|True|Issued|").Order(), requests.Order());

        // One Order each, valid, never errored.
        var orders = await ListAsync(ns, "orders", "{.metadata.ownerReferences[0].name}|{.status.state}|{.status.failureTime}");
        Assert.Equal(names.Select(n => $"{n}-1|valid|").Order(), orders.Order());

        // Revision 1, no failed attempt counted, no failure time.
        var certificates = await ListAsync(ns, "certificates",
            "{.metadata.name}|{.status.revision}|{.status.failedIssuanceAttempts}|{.status.lastFailureTime}");
        Assert.Equal(names.Select(n => $"{n}|1||").Order(), certificates.Order());

        // No Warning about any Certificate, CertificateRequest or Order: a failed issuance always leaves one.
        var warnings = (await ListAsync(ns, "events", "{.type}|{.involvedObject.kind}/{.involvedObject.name}|{.reason}|{.message}"))
            .Where(e => e.StartsWith("Warning|", StringComparison.Ordinal) && !e.Contains("|Challenge/", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, "Warning Events:\n" + string.Join('\n', warnings));
    }

    /// <summary>One line per object of <paramref name="resource"/> in <paramref name="ns"/>, from a jsonpath of its fields.</summary>
    protected async Task<List<string>> ListAsync(string ns, string resource, string fields) =>
        [.. (await cluster.MustAsync("-n", ns, "get", resource, "-o", $"jsonpath={{range .items[*]}}{fields}{{\"\\n\"}}{{end}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>
    /// After the leader stopped: the time until the Lease no longer names it (released, or taken), until another silo
    /// holds it, and until the emulator has as many watches open as a leader keeps (every reflector listed and watching
    /// again), all from <paramref name="since"/>.
    /// </summary>
    protected async Task<(string Leader, TimeSpan LeaseLeft, TimeSpan LeaseTaken, TimeSpan WatchesResumed)> TakeoverAsync(
        string oldLeader, Stopwatch since, int seconds = 120)
    {
        var watches = Task.Run(async () =>
        {
            // The old leader's watches end first (its connections are gone), then the new leader's open.
            await Processes.Eventually(() => cluster.Emulator.CounterAsync("activeWatches"), open => open < cluster.WatchesExpected,
                "the old leader's watches to end", seconds);
            await Processes.Eventually(() => cluster.Emulator.CounterAsync("activeWatches"), open => open >= cluster.WatchesExpected,
                $"{cluster.WatchesExpected} watches open again (silo logs: {cluster.Logs})", seconds);
            return since.Elapsed;
        });
        TimeSpan? leaseLeft = null;
        var leader = await Processes.Eventually(async () =>
            {
                var holder = await cluster.LeaderAsync();
                if (holder != oldLeader)
                    leaseLeft ??= since.Elapsed;
                return holder;
            }, holder => holder.Length > 0 && holder != oldLeader,
            $"another silo than {oldLeader} to hold the Lease (silo logs: {cluster.Logs})", seconds);
        var leaseTaken = since.Elapsed;
        return (leader, leaseLeft ?? leaseTaken, leaseTaken, await watches);
    }
}
