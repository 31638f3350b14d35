using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// Who watches which member: every cluster's Lease lives in the home cluster's cert-manager namespace, one silo holds
/// each, the silos share them, a killed silo's clusters move to the other, and a member cut off from the silos keeps
/// its watcher while the others carry on. Each test brings members of its own and lets them leave at the end.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed partial class WatchOwnershipTests(FleetFixture fleet, ITestOutputHelper output)
{
    private const string Issuer = "ownership-selfsigned";

    private static string LeaseOf(string cluster) =>
        cluster == FleetFixture.HomeName ? SiloClusterFixture.LeaseName : $"{SiloClusterFixture.LeaseName}-member-{cluster}";

    /// <summary>The holder of the cluster's Lease ("" when free or absent).</summary>
    private async Task<string> WatcherAsync(string cluster)
    {
        var (code, holder, _) = await fleet.KubectlAsync("-n", FleetFixture.SecretNamespace, "get", "lease", LeaseOf(cluster),
            "-o", "jsonpath={.spec.holderIdentity}");
        return code == 0 ? holder.Trim() : "";
    }

    private async Task<Dictionary<string, string>> WatchersAsync(IEnumerable<string> clusters)
    {
        var watchers = new Dictionary<string, string>();
        foreach (var cluster in clusters)
            watchers[cluster] = await WatcherAsync(cluster);
        return watchers;
    }

    private static string Describe(Dictionary<string, string> watchers) =>
        string.Join(", ", watchers.Select(w => $"{w.Key}: {(w.Value.Length == 0 ? "none" : w.Value)}"));

    private async Task<string> IssueAsync(MemberEmulator member, string ns, string name, int seconds)
    {
        await member.MustApplyAsync(Manifests.Certificate(ns, name, Issuer, issuerKind: "ClusterIssuer"));
        var took = await FleetFixture.WaitForConditionAsync(member, ns, $"certificate/{name}", "Ready", seconds);
        return $"{took:0.0} s";
    }

    private async Task<MemberEmulator> JoinAsync(string name, string? kubeconfig = null)
    {
        var member = await fleet.AddMemberEmulatorAsync(name);
        await member.MustApplyAsync(Manifests.SelfSignedClusterIssuer(Issuer));
        await fleet.MustApplyAsync(FleetFixture.ClusterSecret(FleetFixture.SecretName(name), name,
            kubeconfig ?? await File.ReadAllTextAsync(member.SiloKubeconfig)));
        return member;
    }

    [Fact]
    public async Task Members_are_spread_over_both_silos_and_a_killed_silos_members_resume_on_the_other_within_20_s()
    {
        string[] own = ["own-spread-1", "own-spread-2"];
        var members = new Dictionary<string, MemberEmulator>();
        foreach (var name in own)
            members[name] = await JoinAsync(name);
        foreach (var name in FleetFixture.MemberNames)
        {
            members[name] = fleet.Member(name);
            await members[name].MustApplyAsync(Manifests.SelfSignedClusterIssuer(Issuer));
        }
        var clusters = members.Keys.Append(FleetFixture.HomeName).ToList();
        var silos = fleet.Silos.Select(s => s.Identity).ToHashSet();
        try
        {
            // Five clusters (more if other tests left some), two silos: each holds about half once the spread settled
            // (a LeaseDuration after the silos last changed).
            var spread = await Processes.Eventually(() => WatchersAsync(clusters),
                watchers => watchers.Values.All(silos.Contains) && silos.All(watchers.Values.Contains),
                "every cluster watched, and both silos watching some", 60);
            output.WriteLine($"spread: {Describe(spread)}");

            var moved = members.Keys.First();
            var victim = fleet.Silo(spread[moved]);
            var survivor = fleet.Silos.Single(s => s != victim).Identity;
            var victims = spread.Where(w => w.Value == victim.Identity).Select(w => w.Key).ToList();
            var watchesBefore = new Dictionary<string, long>();
            foreach (var name in victims.Where(members.ContainsKey))
                watchesBefore[name] = await members[name].Admin.CounterAsync("watchesStarted");

            var clock = Stopwatch.StartNew();
            await victim.KillAsync();
            try
            {
                foreach (var name in victims)
                {
                    await Processes.Eventually(async () => await WatcherAsync(name) == survivor &&
                            (!members.TryGetValue(name, out var member) || await member.Admin.CounterAsync("watchesStarted") > watchesBefore[name]),
                        resumed => resumed, $"{name}'s watches to resume on {survivor} (logs: {fleet.Logs})", 30);
                    output.WriteLine($"{name}: watched by {survivor} {clock.Elapsed.TotalSeconds:0.0} s after {victim.Identity} was killed");
                }
                var took = clock.Elapsed;
                output.WriteLine($"every cluster of the killed silo resumed within {took.TotalSeconds:0.0} s " +
                                 $"(LeaseDuration {FleetFixture.FleetLeaseDuration.TotalSeconds:0} s, RetryPeriod {FleetFixture.FleetRetryPeriod.TotalSeconds:0} s)");
                Assert.True(took < TimeSpan.FromSeconds(20), $"the killed silo's clusters moved in {took.TotalSeconds:0.0} s");

                var ns = await members[moved].NamespaceAsync();
                output.WriteLine($"a Certificate in {moved} after the move: Ready in {await IssueAsync(members[moved], ns, "after-move", 30)}");
            }
            finally
            {
                await victim.StartAsync(TimeSpan.FromMinutes(2));
            }

            // The silo back: the other hands it the clusters above its share.
            var back = await Processes.Eventually(() => WatchersAsync(clusters),
                watchers => watchers.Values.All(silos.Contains) && silos.All(watchers.Values.Contains),
                "the restarted silo to get its share back", 60);
            output.WriteLine($"after {victim.Identity} restarted: {Describe(back)}");
        }
        finally
        {
            foreach (var name in own)
                await fleet.UnregisterMemberAsync(name);
        }
    }

    [Fact]
    public async Task A_member_cut_off_from_the_silos_keeps_its_watcher_the_others_keep_issuing_and_it_catches_up()
    {
        const string cut = "own-cut";
        var member = await fleet.AddMemberEmulatorAsync(cut);
        var siloKubeconfig = await File.ReadAllTextAsync(member.SiloKubeconfig);
        var port = int.Parse(ServerPort().Match(siloKubeconfig).Groups[2].Value);
        await using var link = new SeverableLink(port);
        await member.MustApplyAsync(Manifests.SelfSignedClusterIssuer(Issuer));
        await fleet.MustApplyAsync(FleetFixture.ClusterSecret(FleetFixture.SecretName(cut), cut,
            ServerPort().Replace(siloKubeconfig, match => $"{match.Groups[1].Value}{link.Port}")));
        var other = fleet.Member(FleetFixture.MemberNames[0]);
        await other.MustApplyAsync(Manifests.SelfSignedClusterIssuer(Issuer));
        try
        {
            var ns = await member.NamespaceAsync();
            var otherNs = await other.NamespaceAsync();
            output.WriteLine($"before: Ready in {await IssueAsync(member, ns, "before", 30)}");
            var watcher = await WatcherAsync(cut);
            Assert.Contains(watcher, fleet.Silos.Select(s => s.Identity));

            link.Cut();
            var clock = Stopwatch.StartNew();
            // Made while the silos cannot reach the member: a Certificate, and the issuer one waits for.
            await member.MustApplyAsync(Manifests.Certificate(ns, "during", Issuer, issuerKind: "ClusterIssuer"));
            output.WriteLine($"another member during the outage: Ready in {await IssueAsync(other, otherNs, "during-outage", 30)}");
            var outage = FleetFixture.FleetLeaseDuration * 2;
            if (clock.Elapsed < outage)
                await Task.Delay(outage - clock.Elapsed);

            Assert.Equal(watcher, await WatcherAsync(cut)); // the Lease is in the home cluster: the member's outage does not move it
            foreach (var silo in fleet.Silos)
            {
                Assert.True(silo.IsRunning, $"{silo.Identity} still runs");
                Assert.True(await silo.IsReadyAsync(), $"{silo.Identity} stays ready: a member's outage is not the silo's");
            }

            link.Restore();
            var took = await FleetFixture.WaitForConditionAsync(member, ns, "certificate/during", "Ready", 90);
            output.WriteLine($"after a {clock.Elapsed.TotalSeconds - took:0} s outage, the Certificate made during it was Ready {took:0.0} s after the link came back");
        }
        finally
        {
            link.Restore();
            await fleet.UnregisterMemberAsync(cut);
        }
    }

    [GeneratedRegex(@"(server: https://[^:\s]+:)(\d+)")]
    private static partial Regex ServerPort();
}
