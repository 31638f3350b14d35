using System.Text.Json;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The status CLI as a kubectl plugin: the Silo's kubectl-certfleet script linked onto PATH, run by kubectl against the
/// emulator while the silo issues.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class CliTests(ControllerFixture cluster)
{
    private Task<(int ExitCode, string Output, string Error)> PluginAsync(params string[] args) =>
        KubectlPlugin.RunAsync(cluster.KubectlEnvironment, args);

    private Task<string> Revision(string ns, string name) =>
        cluster.MustAsync("-n", ns, "get", "certificate", name, "-o", "jsonpath={.status.revision}");

    [Fact]
    public async Task KubectlPluginShowsStatusRenewsAndInspectsAgainstARunningSilo()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"selfsigned-{ns}";
        await cluster.ApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        await cluster.ApplyAsync(Manifests.Certificate(ns, "web", issuer, issuerKind: "ClusterIssuer"));
        await Processes.Eventually(() => Revision(ns, "web"), r => r == "1", $"revision 1 (silo log: {cluster.SiloLog})");

        var status = await PluginAsync("status", "certificate", "web", "-n", ns);
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Contains("  Ready: True, Reason: Ready, Message: Certificate is up to date and has not expired", status.Output);
        Assert.Contains("Revision: 1", status.Output);
        Assert.Contains("CertificateRequest:\n  Name: web-1", status.Output);
        Assert.Matches(@"Normal +Issuing +\d+s +cert-manager-certificates-issuing +The certificate has been successfully issued", status.Output);

        var renew = await PluginAsync("renew", "web", "-n", ns);
        Assert.True(renew.ExitCode == 0, renew.Error);
        Assert.Equal($"Manually triggered issuance of Certificate {ns}/web", renew.Output.Trim());
        await Processes.Eventually(() => Revision(ns, "web"), r => r == "2", $"revision 2 after renew (silo log: {cluster.SiloLog})");

        var inspect = await PluginAsync("inspect", "secret", "web-tls", "-n", ns, "-o", "json");
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        using var document = JsonDocument.Parse(inspect.Output);
        Assert.True(document.RootElement.GetProperty("privateKey").GetProperty("matchesCertificate").GetBoolean());
        Assert.Equal("web", document.RootElement.GetProperty("annotations").GetProperty("cert-manager.io/certificate-name").GetString());

        var missing = await PluginAsync("status", "certificate", "nope", "-n", ns);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"error: Certificate \"nope\" not found in namespace \"{ns}\"", missing.Error.Trim());
    }
}
