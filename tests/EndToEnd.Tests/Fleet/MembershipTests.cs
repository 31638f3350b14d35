using System.Diagnostics;
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
        var registeredBefore = await RegisteredEventsAsync(FleetFixture.MemberNames[0]);
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

    /// <summary>How many times the member's Secret was told it registered its cluster (a count per silo).</summary>
    private async Task<int> RegisteredEventsAsync(string member)
    {
        var counts = await fleet.MustAsync("-n", FleetFixture.SecretNamespace, "get", "events", "--field-selector",
            $"involvedObject.kind=Secret,involvedObject.name={FleetFixture.SecretName(member)}",
            "-o", "jsonpath={range .items[?(@.reason==\"ClusterRegistered\")]}{.count}{\"\\n\"}{end}");
        return counts.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(int.Parse);
    }
}
