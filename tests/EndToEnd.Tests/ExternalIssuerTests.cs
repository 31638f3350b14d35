using System.Diagnostics;
using System.Text;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// An external issuer (tests/ExternalIssuer, its own process) signs for Certificates whose issuerRef names its group:
/// CertFleet creates the CertificateRequest, its approver approves the configured signer, the issuer writes the status,
/// and CertFleet writes the Secret, or shows the issuer's failure on the Certificate.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class ExternalIssuerTests(ControllerFixture cluster) : IAsyncLifetime
{
    private Process? _issuer;
    private readonly string _log = Path.Combine(Directory.CreateTempSubdirectory("certfleet-external-issuer-").FullName, "issuer.log");

    public Task InitializeAsync()
    {
        _issuer = Processes.StartDotnet(RepositoryCheckout.Built("tests/ExternalIssuer", "external-issuer.dll"),
            ["--kubeconfig", cluster.Kubeconfig, "--group", ControllerFixture.ExternalIssuerGroup], new Dictionary<string, string>(), _log);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_issuer is { HasExited: false } issuer)
        {
            issuer.Kill(entireProcessTree: true);
            await issuer.WaitForExitAsync();
        }
    }

    private static string Certificate(string ns, string name, string issuer) => $$"""
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          secretName: {{name}}-tls
          dnsNames: [{{name}}.e2e.example]
          issuerRef: {name: {{issuer}}, kind: TestIssuer, group: {{ControllerFixture.ExternalIssuerGroup}}}
        """;

    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync("-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}");

    private async Task<string> SecretValue(string ns, string secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(await Field("secret", ns, secret, $"{{.data.{key.Replace(".", "\\.")}}}")));

    [Fact]
    public async Task ItIssuesThroughTheRequestAndItsFailureShowsOnTheCertificate()
    {
        var started = Stopwatch.StartNew();
        var ns = await cluster.NamespaceAsync();
        await cluster.ApplyAsync(Certificate(ns, "signed", "signing"));
        await cluster.ApplyAsync(Certificate(ns, "refused", "failing"));

        await Processes.Eventually(() => Field("certificate", ns, "signed", "{.status.conditions[?(@.type==\"Ready\")].reason}"),
            r => r == "Ready", $"Certificate {ns}/signed Ready (silo log: {cluster.SiloLog}, issuer log: {_log})");
        Assert.Equal("cert-manager.io", await Field("certificaterequest", ns, "signed-1", "{.status.conditions[?(@.type==\"Approved\")].reason}"));
        Assert.Equal("Issued", await Field("certificaterequest", ns, "signed-1", "{.status.conditions[?(@.type==\"Ready\")].reason}"));
        var dir = Directory.CreateTempSubdirectory().FullName;
        var caPem = await SecretValue(ns, "signed-tls", "ca.crt");
        Assert.Contains($"external issuer {ControllerFixture.ExternalIssuerGroup}", System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(caPem).Subject);
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), caPem);
        await File.WriteAllTextAsync(Path.Combine(dir, "leaf.crt"), await SecretValue(ns, "signed-tls", "tls.crt"));
        var verify = await Processes.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(dir, "ca.crt"), Path.Combine(dir, "leaf.crt")], new Dictionary<string, string>());
        Assert.True(verify.ExitCode == 0, $"openssl verify: {verify.Output}{verify.Error}");
        Assert.StartsWith("-----BEGIN", await SecretValue(ns, "signed-tls", "tls.key"));

        var issuing = await Processes.Eventually(() => Field("certificate", ns, "refused", "{.status.conditions[?(@.type==\"Issuing\")].message}"),
            m => m.Contains("refuses to sign", StringComparison.Ordinal), $"Certificate {ns}/refused showing the issuer's failure (silo log: {cluster.SiloLog}, issuer log: {_log})");
        Assert.Contains($"external issuer {ControllerFixture.ExternalIssuerGroup} refuses to sign {ns}/refused-1: the issuer named failing never signs", issuing);
        Assert.Equal("Failed", await Field("certificate", ns, "refused", "{.status.conditions[?(@.type==\"Issuing\")].reason}"));
        Assert.Equal("1", await Field("certificate", ns, "refused", "{.status.failedIssuanceAttempts}"));
        Assert.NotEmpty(await Field("certificate", ns, "refused", "{.status.lastFailureTime}"));
        Console.WriteLine($"external issuer: issued and failed end to end in {started.Elapsed.TotalSeconds:0.0} s");
    }
}
