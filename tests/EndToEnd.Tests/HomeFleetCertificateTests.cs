using System.Text;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// A FleetCertificate in the home cluster alone (cluster "local"), placed in two namespaces: one issuance, two copies
/// of one Secret; copies deleted or edited by hand are restored, a Secret it did not write is left alone, a namespace
/// removed from the placement loses its copy, and <c>kubectl certfleet renew fleetcertificate</c> renews every copy.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class HomeFleetCertificateTests(ControllerFixture cluster)
{
    private Task<(int ExitCode, string Output, string Error)> PluginAsync(params string[] args) =>
        KubectlPlugin.RunAsync(cluster.KubectlEnvironment, args);

    private static string Fleet(string name, string issuer, params string[] namespaces) => $$"""
        apiVersion: certfleet.io/v1alpha1
        kind: FleetCertificate
        metadata: {name: {{name}}}
        spec:
          certificate:
            secretName: shared-tls
            dnsNames: [{{name}}.fleet.example]
            privateKey: {algorithm: ECDSA, size: 256}
            issuerRef: {name: {{issuer}}, kind: ClusterIssuer}
          placement:
            clusters: [local]
            namespaces: [{{string.Join(", ", namespaces)}}]
        """;

    private Task<string> FleetField(string name, string jsonPath) =>
        cluster.MustAsync("get", "fleetcertificate", name, "-o", $"jsonpath={jsonPath}");

    private async Task<string?> SecretValue(string ns, string key)
    {
        var (code, output, _) = await cluster.KubectlAsync("-n", ns, "get", "secret", "shared-tls", "-o", $"jsonpath={{.data.{key.Replace(".", "\\.")}}}");
        return code == 0 && output.Length > 0 ? Encoding.UTF8.GetString(Convert.FromBase64String(output)) : null;
    }

    private Task<string?> WaitForCopyAsync(string ns, Func<string?, bool> done, string what) =>
        Processes.Eventually(() => SecretValue(ns, "tls.crt"), done, $"{what} (silo log: {cluster.SiloLog})", 60);

    [Fact]
    public async Task IssuedOnceCopiedToEveryNamespaceRestoredRenewedAndRemoved()
    {
        var (a, b, foreign) = (await cluster.NamespaceAsync(), await cluster.NamespaceAsync(), await cluster.NamespaceAsync());
        var name = $"f-{a}";
        var issuer = $"selfsigned-{a}";
        await cluster.MustApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        // A Secret of the copies' name that CertFleet did not write: left alone, reported in status.
        await cluster.MustAsync("-n", foreign, "create", "secret", "generic", "shared-tls", "--from-literal=tls.crt=theirs");
        await cluster.MustApplyAsync(Fleet(name, issuer, a, b, foreign));

        await Processes.Eventually(() => FleetField(name, "{.status.copiesCurrent}"), c => c == "2/3", $"2 of 3 copies (silo log: {cluster.SiloLog})", 60);
        var chain = await SecretValue(a, "tls.crt");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", chain);
        Assert.Equal(chain, await SecretValue(b, "tls.crt"));
        Assert.Equal(await SecretValue(a, "tls.key"), await SecretValue(b, "tls.key"));
        Assert.Equal("theirs", await SecretValue(foreign, "tls.crt"));
        Assert.Contains("left alone", await FleetField(name, $"{{.status.copies[?(@.namespace==\"{foreign}\")].error}}"));
        Assert.Equal(name, await cluster.MustAsync("-n", a, "get", "secret", "shared-tls", "-o", "jsonpath={.metadata.labels.certfleet\\.io/fleet-certificate}"));
        var home = await FleetField(name, "{.status.certificate.namespace}/{.status.certificate.name}");
        Assert.Equal($"cert-manager/fleet-{name}", home);
        Assert.Equal($"fleet-{name}", await cluster.MustAsync("-n", a, "get", "secret", "shared-tls", "-o", "jsonpath={.metadata.annotations.cert-manager\\.io/certificate-name}"));
        Assert.Equal("1", await cluster.MustAsync("-n", "cert-manager", "get", "certificate", $"fleet-{name}", "-o", "jsonpath={.status.revision}"));
        var table = await cluster.MustAsync("get", "fleetcertificates");
        Assert.Matches(@$"\n{name}\s+False\s+2/3\s+shared-tls\s+\d+s", table);

        // Deleted by hand: restored. Edited by hand: restored.
        await cluster.MustAsync("-n", a, "delete", "secret", "shared-tls");
        await WaitForCopyAsync(a, c => c == chain, "the deleted copy restored");
        await cluster.MustAsync("-n", b, "patch", "secret", "shared-tls", "--type=merge", "-p", "{\"data\":{\"tls.crt\":\"ZWRpdGVk\"}}");
        await WaitForCopyAsync(b, c => c == chain, "the edited copy restored");

        // The unowned Secret gone, that copy is written too: found by the periodic re-check, or at once when the
        // FleetCertificate is touched (any change but CertFleet's own status write makes a pass).
        await cluster.MustAsync("-n", foreign, "delete", "secret", "shared-tls");
        await cluster.MustAsync("annotate", "fleetcertificate", name, "example.com/recheck=1");
        await Processes.Eventually(() => FleetField(name, "{.status.copiesCurrent}"), c => c == "3/3", $"3 of 3 copies (silo log: {cluster.SiloLog})", 60);

        // One renewal, every copy updated.
        var renewed = await PluginAsync("renew", "fleetcertificate", name);
        Assert.True(renewed.ExitCode == 0, renewed.Error);
        Assert.Contains($"cert-manager/fleet-{name}", renewed.Output);
        await Processes.Eventually(() => cluster.MustAsync("-n", "cert-manager", "get", "certificate", $"fleet-{name}", "-o", "jsonpath={.status.revision}"),
            r => r == "2", $"revision 2 (silo log: {cluster.SiloLog})", 60);
        var renewedChain = await WaitForCopyAsync(a, c => c is not null && c != chain, "copy in a renewed");
        foreach (var ns in new[] { b, foreign })
            await WaitForCopyAsync(ns, c => c == renewedChain, $"copy in {ns} renewed");
        await Processes.Eventually(() => FleetField(name, "{.status.conditions[?(@.type==\"Ready\")].status}"), s => s == "True", "Ready", 60);

        // A namespace taken out of the placement loses its copy.
        await cluster.MustApplyAsync(Fleet(name, issuer, a, b));
        await WaitForCopyAsync(foreign, c => c is null, "the unplaced copy deleted");
        Assert.Equal(renewedChain, await SecretValue(a, "tls.crt"));

        var missing = await PluginAsync("renew", "fleetcertificate", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("FleetCertificate \"nope\" not found", missing.Error);
    }
}
