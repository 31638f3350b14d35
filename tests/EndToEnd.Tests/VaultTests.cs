using System.Diagnostics;
using System.Text;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The Vault issuer end to end against the Vault fake: the guide's seed 07 ClusterIssuer (kubernetes auth, its JWT
/// checked by the emulator's TokenReview) issues, and Vault's own words reach the Issuer or the request when it cannot.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class VaultTests(ControllerFixture cluster, Xunit.Abstractions.ITestOutputHelper output)
{
    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync(ns.Length > 0 ? ["-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}"] : ["get", kind, name, "-o", $"jsonpath={jsonPath}"]);

    private async Task<string> WaitForAsync(string kind, string ns, string name, string jsonPath, Func<string, bool> done, string what, int seconds = 60) =>
        await Processes.Eventually(async () =>
            {
                var args = ns.Length > 0 ? new[] { "-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}" } : ["get", kind, name, "-o", $"jsonpath={jsonPath}"];
                return (await cluster.KubectlAsync(args)).Output;
            },
            done, $"{what} (silo log: {cluster.SiloLog})", seconds);

    private async Task<string> SecretValue(string ns, string secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", $"jsonpath={{.data.{key.Replace(".", "\\.")}}}")));

    private static string ServiceAccount(string ns, string name) => $"""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        """;

    [Fact]
    public async Task TheGuidesVaultClusterIssuerIssuesThroughKubernetesAuth()
    {
        var started = Stopwatch.StartNew();
        await using var vault = await VaultFake.StartAsync();
        vault.ConfigureKubernetesAuth(cluster.Kubeconfig);
        vault.AddPolicy("pki", "pki/sign/my-role");
        vault.AddPkiRole("pki", "my-role", TimeSpan.FromDays(90), "example.com");
        vault.AddKubernetesRole("kubernetes", "cert-manager", ["cert-manager"], ["cert-manager"], null, TimeSpan.FromMinutes(20), "pki");
        // The controller's own service account and its token, where a pod finds it.
        await cluster.MustApplyAsync(ServiceAccount("cert-manager", "cert-manager"));
        var token = await cluster.MustAsync("-n", "cert-manager", "create", "token", "cert-manager", "--duration", "1h");
        await File.WriteAllTextAsync(cluster.ServiceAccountTokenFile, token.Trim());

        var seed = await File.ReadAllTextAsync(Path.Combine(RepositoryCheckout.Seeds, "07-clusterissuer-vault.yaml"));
        var pointed = seed.Replace("server: https://vault.internal:8200", $"server: {vault.Address}");
        Assert.NotEqual(seed, pointed);
        await cluster.MustApplyAsync(pointed);
        await WaitForAsync("clusterissuer", "", "vault-pki", "{.status.conditions[?(@.type==\"Ready\")].reason}", r => r == "VaultVerified", "ClusterIssuer vault-pki VaultVerified");
        Assert.Equal("Vault verified", await Field("clusterissuer", "", "vault-pki", "{.status.conditions[?(@.type==\"Ready\")].message}"));

        var ns = await cluster.NamespaceAsync();
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "web", "vault-pki", issuerKind: "ClusterIssuer", dnsNames: "web.example.com, www.example.com"));
        await WaitForAsync("certificate", ns, "web", "{.status.conditions[?(@.type==\"Ready\")].reason}", r => r == "Ready", $"Certificate {ns}/web Ready");

        var ca = await SecretValue(ns, "web-tls", "ca.crt");
        Assert.Equal(vault.RootPem, ca);
        var dir = Directory.CreateTempSubdirectory("vault-e2e-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), ca);
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), await SecretValue(ns, "web-tls", "tls.crt"));
        var verify = await Processes.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(dir, "ca.crt"), Path.Combine(dir, "tls.crt")], new Dictionary<string, string>());
        Assert.True(verify.ExitCode == 0, $"openssl verify: {verify.Output}{verify.Error}");
        Assert.Contains("CertificateIssued", await cluster.MustAsync("-n", ns, "describe", "certificaterequest", "web-1"));
        Assert.Equal(1, vault.Logins("kubernetes"));
        Assert.Contains(vault.Requests, r => r == "POST /v1/pki/sign/my-role");
        Assert.Empty(vault.Violations);
        output.WriteLine($"seed 07 issued end to end in {started.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task AWrongRoleADeniedPolicyAndAnUnreachableVaultShowVaultsMessage()
    {
        var started = Stopwatch.StartNew();
        await using var vault = await VaultFake.StartAsync();
        vault.ConfigureKubernetesAuth(cluster.Kubeconfig);
        vault.AddPolicy("pki", "pki/sign/*");
        vault.AddPkiRole("pki", "my-role", TimeSpan.FromDays(90), "example.com");
        var ns = await cluster.NamespaceAsync();
        await cluster.MustApplyAsync(ServiceAccount(ns, "vault-auth"));
        var jwt = (await cluster.MustAsync("-n", ns, "create", "token", "vault-auth", "--duration", "1h")).Trim();
        await cluster.MustAsync("-n", ns, "create", "secret", "generic", "vault-token", $"--from-literal=token={vault.CreateToken(TimeSpan.FromHours(1), "pki")}");
        await cluster.MustAsync("-n", ns, "create", "secret", "generic", "weak-token", $"--from-literal=token={vault.CreateToken(TimeSpan.FromHours(1), "default")}");
        await cluster.MustAsync("-n", ns, "create", "secret", "generic", "vault-jwt", $"--from-literal=token={jwt}");
        var unreachablePort = LoopbackPorts.Allocate(1)[0];
        string Issuer(string name, string server, string path, string auth) => $"""
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {"{"}name: {name}, namespace: {ns}{"}"}
            spec:
              vault:
                server: {server}
                path: {path}
                auth: {auth}
            """;
        await cluster.MustApplyAsync(string.Join("\n---\n",
            Issuer("wrong-role", vault.Address.ToString(), "pki/sign/no-such-role", "{tokenSecretRef: {name: vault-token, key: token}}"),
            Issuer("denied", vault.Address.ToString(), "pki/sign/my-role", "{tokenSecretRef: {name: weak-token, key: token}}"),
            Issuer("unreachable", $"http://127.0.0.1:{unreachablePort}", "pki/sign/my-role", "{tokenSecretRef: {name: vault-token, key: token}}"),
            Issuer("wrong-login", vault.Address.ToString(), "pki/sign/my-role", "{kubernetes: {role: nope, secretRef: {name: vault-jwt, key: token}}}")));
        await cluster.MustApplyAsync(string.Join("\n---\n",
            Manifests.Certificate(ns, "wrong-role", "wrong-role", dnsNames: "a.example.com"),
            Manifests.Certificate(ns, "denied", "denied", dnsNames: "b.example.com")));

        const string ReadyMessage = "{.status.conditions[?(@.type==\"Ready\")].message}";
        var unknownRole = await WaitForAsync("certificaterequest", ns, "wrong-role-1", ReadyMessage, m => m.Contains("unknown role"), "the request to show Vault's unknown role");
        Assert.Equal($"Vault failed to sign certificate: failed to sign certificate by vault: Error making API request. URL: POST {vault.Address}v1/pki/sign/no-such-role Code: 400. Errors: * unknown role: no-such-role", unknownRole);
        var denied = await WaitForAsync("certificaterequest", ns, "denied-1", ReadyMessage, m => m.Contains("permission denied"), "the request to show Vault's permission denied");
        Assert.EndsWith("Code: 403. Errors: * 1 error occurred: * permission denied", denied);
        Assert.Contains("SigningError", await cluster.MustAsync("-n", ns, "describe", "certificaterequest", "denied-1"));
        var unreachable = await WaitForAsync("issuer", ns, "unreachable", ReadyMessage, m => m.Length > 0, "the unreachable Vault's Issuer to be checked");
        Assert.StartsWith($"Failed to call Vault health check: error calling Vault /v1/sys/health: Get \"http://127.0.0.1:{unreachablePort}/v1/sys/health\": Connection refused", unreachable);
        Assert.Equal("VaultError", await Field("issuer", ns, "unreachable", "{.status.conditions[?(@.type==\"Ready\")].reason}"));
        var wrongLogin = await WaitForAsync("issuer", ns, "wrong-login", ReadyMessage, m => m.Length > 0, "the wrong login role's Issuer to be checked");
        Assert.EndsWith("Code: 400. Errors: * invalid role name \"nope\"", wrongLogin);
        Assert.Empty(vault.Violations);
        output.WriteLine($"four failures shown in {started.Elapsed.TotalSeconds:F1} s");
    }
}
