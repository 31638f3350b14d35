using System.Diagnostics;
using System.Globalization;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>Members join and leave the fleet at runtime through cluster Secrets in the home cluster.</summary>
[Collection(FleetCollection.Name)]
public sealed class MembershipTests(FleetFixture fleet, ITestOutputHelper output)
{
    private const string Reason = "InvalidClusterRegistration";

    [Fact]
    public async Task Bad_registrations_get_a_Warning_on_their_Secret_and_leave_the_other_members_alone()
    {
        var member = fleet.Member(FleetFixture.MemberNames[0]);
        var kubeconfig = await File.ReadAllTextAsync(member.SiloKubeconfig);
        // Every silo registers every member, and says so once.
        var registeredBefore = await Processes.Eventually(() => RegisteredEventsAsync(FleetFixture.MemberNames[0]),
            count => count >= fleet.Silos.Count, "each silo's ClusterRegistered Event on the first member's Secret", 30);
        var cases = new (string Secret, string Yaml, string Expected)[]
        {
            ("bad-no-kubeconfig", FleetFixture.ClusterSecret("bad-no-kubeconfig", "no-kubeconfig", null), "key \"kubeconfig\" is missing"),
            ("bad-unparsable", FleetFixture.ClusterSecret("bad-unparsable", "unparsable", "clusters: [ {name: x"), "is not a readable kubeconfig"),
            ("bad-context", FleetFixture.ClusterSecret("bad-context", "no-context", kubeconfig, context: "elsewhere"), "has no context \"elsewhere\""),
            ("bad-name", FleetFixture.ClusterSecret("bad-name", "Not_A_Name", kubeconfig), "is not a valid cluster name"),
            ("bad-no-name", FleetFixture.ClusterSecret("bad-no-name", null, kubeconfig), "annotation certfleet.io/cluster-name is missing"),
            ("bad-home", FleetFixture.ClusterSecret("bad-home", FleetFixture.HomeName, kubeconfig), "is the home cluster's name"),
            ("bad-duplicate", FleetFixture.ClusterSecret("bad-duplicate", FleetFixture.MemberNames[0], kubeconfig),
                $"is already registered by the older Secret {FleetFixture.SecretName(FleetFixture.MemberNames[0])}"),
        };
        await fleet.MustApplyAsync(string.Join("---\n", cases.Select(c => c.Yaml)));

        foreach (var (secret, _, expected) in cases)
        {
            var warnings = await Processes.Eventually(() => fleet.SecretWarningsAsync(secret), text => text.Contains(expected),
                $"a Warning on Secret {secret} saying \"{expected}\" (silo logs: {fleet.Logs})", 30);
            Assert.StartsWith($"{Reason}: ", warnings);
            output.WriteLine($"{secret}: {warnings.Trim()}");
        }

        // The member the duplicate names is still the older Secret's: not re-registered, not warned.
        foreach (var name in FleetFixture.MemberNames)
            Assert.Equal("", await fleet.SecretWarningsAsync(FleetFixture.SecretName(name)));
        Assert.Equal(registeredBefore, await RegisteredEventsAsync(FleetFixture.MemberNames[0]));
        await fleet.MustAsync(["-n", FleetFixture.SecretNamespace, "delete", "secret", .. cases.Select(c => c.Secret)]);
    }

    [Fact]
    public async Task A_member_added_at_runtime_has_its_first_Certificate_Ready_within_10_s()
    {
        var member = await fleet.AddMemberEmulatorAsync("joiner");
        var ns = await member.NamespaceAsync();
        await member.MustApplyAsync(Manifests.SelfSignedClusterIssuer("joiner-selfsigned"));
        await member.MustApplyAsync(Manifests.Certificate(ns, "first", "joiner-selfsigned", issuerKind: "ClusterIssuer"));

        var registered = Stopwatch.StartNew();
        await fleet.RegisterMemberAsync(member.Name, new Dictionary<string, string> { ["fleet-test"] = "joiner" });
        await FleetFixture.WaitForConditionAsync(member, ns, "certificate/first", "Ready", 60);
        var polled = registered.Elapsed.TotalSeconds;

        // Measured between the two servers' records (1 s resolution), not this test's kubectl polls, which are slow on
        // a loaded machine: the Secret's creationTimestamp (home) and the Ready condition's lastTransitionTime (member).
        var created = DateTimeOffset.Parse(await fleet.MustAsync("-n", FleetFixture.SecretNamespace, "get", "secret",
            FleetFixture.SecretName(member.Name), "-o", "jsonpath={.metadata.creationTimestamp}"), CultureInfo.InvariantCulture);
        var ready = DateTimeOffset.Parse(await member.MustAsync("-n", ns, "get", "certificate", "first", "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}"), CultureInfo.InvariantCulture);
        var seconds = (ready - created).TotalSeconds;

        output.WriteLine($"first Certificate of a member that joined at runtime Ready {seconds:0} s after its cluster Secret was created " +
            $"(seen by this test's polls after {polled:0.0} s)");
        Assert.True(seconds <= 10, $"Ready {seconds:0} s after the Secret's creation (silo logs: {fleet.Logs})");
    }

    [Fact]
    public async Task A_member_whose_Secret_is_deleted_gets_no_request_any_more_and_its_grains_forget_themselves()
    {
        var member = await fleet.AddMemberEmulatorAsync("leaver");
        var ns = await member.NamespaceAsync();
        await member.MustApplyAsync(Manifests.SelfSignedClusterIssuer("leaver-selfsigned"));
        await member.MustApplyAsync(Manifests.Certificate(ns, "kept", "leaver-selfsigned", issuerKind: "ClusterIssuer"));
        // Never Ready: its grain keeps retrying, so it would write again if anything still talked to the member.
        await member.MustApplyAsync(Manifests.Certificate(ns, "retrying", "absent", issuerKind: "ClusterIssuer"));
        await fleet.RegisterMemberAsync(member.Name);
        await FleetFixture.WaitForConditionAsync(member, ns, "certificate/kept", "Ready", 60);
        Assert.NotEmpty(await GrainTracesAsync(member.Name));

        await fleet.UnregisterMemberAsync(member.Name);
        await Processes.Eventually(async () => string.Join(", ", await GrainTracesAsync(member.Name)), left => left.Length == 0,
            $"the reminders and grain states of {member.Name} to go (silo logs: {fleet.Logs})", 30);

        // Nothing asks the member anything any more: no watch open, and the request count stands still.
        await Processes.Eventually(() => member.Admin.CounterAsync("activeWatches"), open => open == 0, "the member's watches to close", 20);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await member.RequestsAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var after = await member.RequestsAsync();
        // The emulator counts every request it receives, its stats request included: the second read is the only one.
        output.WriteLine($"member {member.Name}: {before} requests when the count started, {after} ten seconds later (one of them the count itself)");
        Assert.Equal(before + 1, after);

        // Nothing was deleted in it either.
        Assert.Equal("kept-tls", (await member.MustAsync("-n", ns, "get", "secret", "kept-tls", "-o", "jsonpath={.metadata.name}")).Trim());
        Assert.Contains("kept", await member.MustAsync("-n", ns, "get", "certificates", "-o", "name"));

        // The other members keep working.
        var other = fleet.Member(FleetFixture.MemberNames[1]);
        var otherNs = await other.NamespaceAsync();
        await other.MustApplyAsync(Manifests.SelfSignedClusterIssuer($"selfsigned-{otherNs}"));
        await other.MustApplyAsync(Manifests.Certificate(otherNs, "after-leave", $"selfsigned-{otherNs}", issuerKind: "ClusterIssuer"));
        await FleetFixture.WaitForConditionAsync(other, otherNs, "certificate/after-leave", "Ready", 60);
    }

    /// <summary>Reminders and grain states in Redis that belong to <paramref name="cluster"/>'s grains.</summary>
    private async Task<List<string>> GrainTracesAsync(string cluster)
    {
        var reminders = (await RedisKeys.RemindersAsync(fleet.Redis, "fleet")).Select(row => row.ToJsonString())
            .Where(row => row.Contains($"/{cluster}/", StringComparison.Ordinal));
        var states = (await RedisKeys.AllStatesAsync(fleet.Redis, "fleet")).Keys
            .Where(key => key.Contains($"/{cluster}/", StringComparison.Ordinal));
        return [.. reminders, .. states];
    }

    /// <summary>How many times the member's Secret was told it registered its cluster (a count per silo).</summary>
    private async Task<int> RegisteredEventsAsync(string member)
    {
        var counts = await fleet.MustAsync("-n", FleetFixture.SecretNamespace, "get", "events", "--field-selector",
            $"involvedObject.kind=Secret,involvedObject.name={FleetFixture.SecretName(member)}",
            "-o", "jsonpath={range .items[?(@.reason==\"ClusterRegistered\")]}{.count}{\"\\n\"}{end}");
        return counts.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(int.Parse);
    }
}
