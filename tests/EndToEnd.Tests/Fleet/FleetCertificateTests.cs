using System.Text;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// A FleetCertificate issued once by Pebble (ACME HTTP-01 in the home cluster, counted by the proxy) and placed in
/// the home cluster and two members: one order, three copies of one certificate and key; a renewal is one more order
/// and updates every copy; a member that joins and matches gets its copy with no order; relabelled out, it loses it;
/// a copy deleted by hand comes back.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetCertificateTests(FleetFixture fleet, ITestOutputHelper output)
{
    private Task<(int ExitCode, string Output, string Error)> PluginAsync(params string[] args) =>
        KubectlPlugin.RunAsync(fleet.KubectlEnvironment, args);

    /// <summary>A copy's key, from the home cluster or a member (null when the Secret is not there).</summary>
    private static async Task<string?> CopyAsync(Func<string[], Task<(int ExitCode, string Output, string Error)>> kubectl, string ns, string key)
    {
        var (code, value, _) = await kubectl(["-n", ns, "get", "secret", "shared-tls", "-o", $"jsonpath={{.data.{key.Replace(".", "\\.")}}}"]);
        return code == 0 && value.Length > 0 ? Encoding.UTF8.GetString(Convert.FromBase64String(value)) : null;
    }

    [Fact]
    public async Task Issued_once_for_three_clusters_renewed_once_and_following_members()
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var name = $"fc-{id}";
        var dnsName = $"{name}.fleet.example";
        var joining = $"fc-join-{id}";
        var ns = await fleet.NamespaceAsync();
        var members = FleetFixture.MemberNames.Select(fleet.Member).ToList();
        foreach (var member in members)
            await member.MustAsync("create", "namespace", ns);
        Func<string[], Task<(int, string, string)>> home = args => fleet.KubectlAsync(args);
        var copies = new List<(string Cluster, Func<string[], Task<(int, string, string)>> Kubectl)> { (FleetFixture.HomeName, home) };
        copies.AddRange(members.Select(m => (m.Name, (Func<string[], Task<(int, string, string)>>)(args => m.KubectlAsync(args)))));
        var orders = () => fleet.Proxy.OrdersCreated.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(dnsName));

        await fleet.MustApplyAsync(fleet.ClusterIssuer($"pebble-{id}"));
        await fleet.MustApplyAsync($$"""
            apiVersion: certfleet.io/v1alpha1
            kind: FleetCertificate
            metadata: {name: {{name}}}
            spec:
              certificate:
                secretName: shared-tls
                dnsNames: [{{dnsName}}]
                privateKey: {algorithm: ECDSA, size: 256}
                issuerRef: {name: pebble-{{id}}, kind: ClusterIssuer}
              placement:
                clusters: [{{FleetFixture.HomeName}}, {{string.Join(", ", FleetFixture.MemberNames)}}]
                clusterSelector:
                  matchLabels: {fleetcert-e2e: "{{id}}"}
                namespaces: [{{ns}}]
            """);
        var started = DateTime.UtcNow;
        await Processes.Eventually(() => fleet.MustAsync("get", "fleetcertificate", name, "-o", "jsonpath={.status.copiesCurrent}"),
            c => c == "3/3", $"3 of 3 copies (silo logs: {fleet.Logs})", 120);
        output.WriteLine($"issued and copied to 3 clusters in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.Equal(1, orders());
        var chain = await CopyAsync(home, ns, "tls.crt");
        var key = await CopyAsync(home, ns, "tls.key");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", chain);
        foreach (var (cluster, kubectl) in copies)
        {
            Assert.Equal(chain, await CopyAsync(kubectl, ns, "tls.crt"));
            Assert.Equal(key, await CopyAsync(kubectl, ns, "tls.key"));
        }

        // One renewal: one more order, every copy updated.
        var renewed = await PluginAsync("renew", "fleetcertificate", name);
        Assert.True(renewed.ExitCode == 0, renewed.Error);
        foreach (var (cluster, kubectl) in copies)
            await Processes.Eventually(() => CopyAsync(kubectl, ns, "tls.crt"), c => c is not null && c != chain,
                $"the copy in {cluster} renewed (silo logs: {fleet.Logs})", 120);
        chain = await CopyAsync(home, ns, "tls.crt");
        foreach (var (_, kubectl) in copies)
            Assert.Equal(chain, await CopyAsync(kubectl, ns, "tls.crt"));
        Assert.Equal(2, orders());

        // A fourth member joins and matches: its copy, no order.
        var fourth = await fleet.AddMemberEmulatorAsync(joining);
        await fourth.MustAsync("create", "namespace", ns);
        started = DateTime.UtcNow;
        await fleet.RegisterMemberAsync(joining, new Dictionary<string, string> { ["fleetcert-e2e"] = id });
        await Processes.Eventually(() => CopyAsync(args => fourth.KubectlAsync(args), ns, "tls.crt"), c => c == chain,
            $"the joining member's copy (silo logs: {fleet.Logs})", 60);
        output.WriteLine($"a joining member got its copy {(DateTime.UtcNow - started).TotalSeconds:0.0} s after its Secret");
        Assert.Equal(2, orders());

        // Relabelled out: its copy is deleted.
        await fleet.RegisterMemberAsync(joining, new Dictionary<string, string> { ["fleetcert-e2e"] = "elsewhere" });
        await Processes.Eventually(() => CopyAsync(args => fourth.KubectlAsync(args), ns, "tls.crt"), c => c is null,
            $"the relabelled member's copy deleted (silo logs: {fleet.Logs})", 60);

        // Deleted by hand in a member: restored.
        await members[0].MustAsync("-n", ns, "delete", "secret", "shared-tls");
        await Processes.Eventually(() => CopyAsync(args => members[0].KubectlAsync(args), ns, "tls.crt"), c => c == chain,
            $"the deleted copy restored (silo logs: {fleet.Logs})", 60);
        Assert.Equal(2, orders());

        await fleet.UnregisterMemberAsync(joining);
        await fleet.MustAsync("delete", "fleetcertificate", name);
    }
}
