using k8s;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using static CertFleet.Cli.Tests.TestCertificates;

namespace CertFleet.Cli.Tests;

[Collection(CliCollection.Name)]
public sealed class RenewAndInspectTests(CliFixture fixture)
{
    private Task<JsonObject> CertificateAsync(string ns, string name, Dictionary<string, string>? labels = null, params Condition[] conditions) =>
        fixture.CreateAsync(Certificate.Group, Certificate.Plural, ns, new Certificate
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
            Spec = new CertificateSpec { SecretName = $"{name}-tls", DnsNames = [$"{name}.example.com"], IssuerRef = new IssuerRef { Name = "ca" } },
        }, new CertificateStatus { Conditions = [.. conditions], Revision = 1 });

    private static readonly Condition ReadyTrue = new() { Type = "Ready", Status = "True", Reason = "Ready", Message = "Certificate is up to date and has not expired" };

    private async Task<IReadOnlyList<JsonNode?>> ConditionsAsync(string ns, string name) =>
        (await fixture.GetAsync(Certificate.Group, Certificate.Plural, ns, name))["status"]!["conditions"]!.AsArray().ToList();

    [Fact]
    public async Task RenewSetsIssuingManuallyTriggeredThroughTheStatusSubresourceAndKeepsOtherConditions()
    {
        var ns = await fixture.NamespaceAsync();
        await CertificateAsync(ns, "web", null, ReadyTrue);

        var (code, output, error) = await fixture.RunAsync("renew", "web", "-n", ns);

        Assert.True(code == 0, error);
        Assert.Equal($"Manually triggered issuance of Certificate {ns}/web", output.Trim());
        var conditions = await ConditionsAsync(ns, "web");
        Assert.Contains(conditions, c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True");
        var issuing = Assert.Single(conditions, c => c!["type"]!.GetValue<string>() == "Issuing")!;
        Assert.Equal("True", issuing["status"]!.GetValue<string>());
        Assert.Equal("ManuallyTriggered", issuing["reason"]!.GetValue<string>());
        Assert.Equal("Certificate re-issuance manually triggered", issuing["message"]!.GetValue<string>());
        Assert.Equal(1, issuing["observedGeneration"]!.GetValue<long>());

        // A second renew while the first is pending is refused, as cmctl does.
        (code, output, _) = await fixture.RunAsync("renew", "web", "-n", ns);
        Assert.Equal(0, code);
        Assert.Equal($"Certificate {ns}/web is already being issued; not triggered again", output.Trim());
    }

    [Fact]
    public async Task RenewBySelectorAcrossNamespacesTouchesOnlyMatchingCertificates()
    {
        var first = await fixture.NamespaceAsync();
        var second = await fixture.NamespaceAsync();
        var label = Guid.NewGuid().ToString("N")[..8];
        await CertificateAsync(first, "a", new() { ["team"] = label }, ReadyTrue);
        await CertificateAsync(second, "b", new() { ["team"] = label }, ReadyTrue);
        await CertificateAsync(second, "c", new() { ["team"] = "other" }, ReadyTrue);

        var (code, output, error) = await fixture.RunAsync("renew", "-A", "-l", $"team={label}", "-o", "json");

        Assert.True(code == 0, error);
        var results = JsonNode.Parse(output)!.AsArray().Select(r => $"{r!["namespace"]}/{r["name"]}:{r["triggered"]}").Order().ToList();
        Assert.Equal(new[] { $"{first}/a:true", $"{second}/b:true" }.Order(), results);
        Assert.DoesNotContain(await ConditionsAsync(second, "c"), c => c!["type"]!.GetValue<string>() == "Issuing");
        Assert.Contains(await ConditionsAsync(second, "b"), c => c!["reason"]!.GetValue<string>() == "ManuallyTriggered");
    }

    [Fact]
    public async Task RenewRefusesAmbiguousCommandLinesAndMissingCertificates()
    {
        var ns = await fixture.NamespaceAsync();

        var (code, _, error) = await fixture.RunAsync("renew", "-n", ns);
        Assert.Equal(2, code);
        Assert.StartsWith("error: renew needs Certificate names, --all, or -l SELECTOR", error);

        (code, _, error) = await fixture.RunAsync("renew", "web", "--all", "-n", ns);
        Assert.Equal(2, code);
        Assert.StartsWith("error: renew takes Certificate names, or --all, or -l SELECTOR, not a mix", error);

        (code, _, error) = await fixture.RunAsync("renew", "ghost", "-n", ns);
        Assert.Equal(1, code);
        Assert.Equal($"error: Certificate \"ghost\" not found in namespace \"{ns}\"", error.Trim());
    }

    [Fact]
    public async Task InspectSecretDescribesARealCertificateAndItsKey()
    {
        var ns = await fixture.NamespaceAsync();
        var notBefore = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds());
        var leaf = Generate("api.example.com", isCA: true, notBefore);
        await fixture.Client.CoreV1.CreateNamespacedSecretAsync(leaf.ToSecret("api-tls", new Dictionary<string, string>
        {
            [Annotations.CertificateName] = "api",
            [Annotations.IssuerName] = "ca",
            ["example.com/unrelated"] = "x",
        }), ns);

        var (code, output, error) = await fixture.RunAsync("inspect", "secret", "api-tls", "-n", ns);

        Assert.True(code == 0, error);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(leaf.Der));
        Assert.Contains($"  Not Before: {notBefore.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", output);
        Assert.Contains("  Status: valid", output);
        Assert.Contains("Subject:\n  CN=api.example.com", output);
        Assert.Contains("Issuer:\n  CN=api.example.com (self-signed)", output);
        Assert.Contains("DNS Names:\n- api.example.com", output);
        Assert.Contains("  Public Key Algorithm: ECDSA 256", output);
        Assert.Contains($"  Serial Number: {leaf.SerialHex}", output);
        Assert.Contains($"  SHA-256 Fingerprint: {fingerprint}", output);
        Assert.Contains("  Is a CA: true", output);
        Assert.Contains("Chain Length: 1 (tls.crt), 1 in ca.crt", output);
        Assert.Contains("Private Key: ECDSA 256, matches the certificate: true", output);
        Assert.Contains("  cert-manager.io/certificate-name: api", output);
        Assert.DoesNotContain("example.com/unrelated", output);
        Assert.DoesNotContain("PRIVATE KEY", output);

        var (_, json, _) = await fixture.RunAsync("inspect", "secret", "api-tls", "-n", ns, "-o", "json");
        var root = JsonNode.Parse(json)!;
        Assert.Equal(fingerprint, root["certificate"]!["sha256Fingerprint"]!.GetValue<string>());
        Assert.True(root["certificate"]!["isCA"]!.GetValue<bool>());
        Assert.True(root["privateKey"]!["matchesCertificate"]!.GetValue<bool>());
        Assert.Equal(1, root["chainLength"]!.GetValue<int>());
    }

    [Fact]
    public async Task InspectSecretSaysWhenTheKeyIsNotTheCertificatesOrTheSecretIsMissing()
    {
        var ns = await fixture.NamespaceAsync();
        var leaf = Generate("old.example.com", isCA: false, DateTimeOffset.UtcNow.AddDays(-100));
        var secret = leaf.ToSecret("old-tls", []);
        secret.Data["tls.key"] = Encoding.UTF8.GetBytes(UnrelatedKeyPem());
        await fixture.Client.CoreV1.CreateNamespacedSecretAsync(secret, ns);

        var (code, output, error) = await fixture.RunAsync("inspect", "secret", "old-tls", "-n", ns);

        Assert.True(code == 0, error);
        Assert.Contains("  Status: expired", output);
        Assert.Contains("  Is a CA: false", output);
        Assert.Contains("Private Key: ECDSA 256, matches the certificate: false", output);
        Assert.Contains("cert-manager Annotations:\n  <none>", output);

        (code, output, error) = await fixture.RunAsync("inspect", "secret", "absent", "-n", ns);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: Secret \"absent\" not found in namespace \"{ns}\"", error.Trim());
    }
}
