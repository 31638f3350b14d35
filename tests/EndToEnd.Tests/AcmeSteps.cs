using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>kubectl steps shared by the ACME suites.</summary>
public abstract class AcmeSteps(PebbleControllerFixture cluster)
{
    protected Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync(ns.Length == 0 ? ["get", kind, name, "-o", $"jsonpath={jsonPath}"] : ["-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}"]);

    protected Task<string> WaitAsync(string kind, string ns, string name, string jsonPath, string expected, int seconds = 120) =>
        Processes.Eventually(async () => (await cluster.KubectlAsync(ns.Length == 0 ? ["get", kind, name, "-o", $"jsonpath={jsonPath}"]
                : ["-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}"])).Output,
            v => v == expected, $"{kind} {ns}/{name} {jsonPath} = {expected} (silo log: {cluster.SiloLog})\n{cluster.Pebble.Log[^Math.Min(2000, cluster.Pebble.Log.Length)..]}", seconds);

    protected async Task<X509Certificate2Collection> ChainAsync(string ns, string secret)
    {
        var pem = Encoding.UTF8.GetString(Convert.FromBase64String(
            await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", "jsonpath={.data.tls\\.crt}")));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(pem);
        return chain;
    }

    protected async Task AssertChainsToPebbleRootAsync(string ns, string secret, int rootIndex, params string[] names)
    {
        var certificates = await ChainAsync(ns, secret);
        using var root = X509Certificate2.CreateFromPem(await cluster.Pebble.RootPemAsync(rootIndex));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(certificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificates[0]), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        var sans = certificates[0].Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var dns = sans.EnumerateDnsNames().Concat(sans.EnumerateIPAddresses().Select(ip => ip.ToString())).ToList();
        foreach (var name in names)
            Assert.Contains(name, dns);
    }


    /// <summary>Applies a seed manifest (into <paramref name="ns"/> when given) with its Let's Encrypt server replaced by this Pebble.</summary>
    protected async Task ApplySeedPointedAtPebbleAsync(string file, string? ns = null)
    {
        var seed = await File.ReadAllTextAsync(Path.Combine(RepositoryCheckout.Seeds, file));
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.Pebble.ListenerCaPem));
        var pointed = seed.Replace("server: https://acme-v02.api.letsencrypt.org/directory",
            $"server: {cluster.Pebble.DirectoryUrl}\n    caBundle: {caBundle}", StringComparison.Ordinal);
        var applied = await Processes.RunAsync("kubectl", ns is null ? ["apply", "-f", "-"] : ["apply", "-n", ns, "-f", "-"],
            cluster.KubectlEnvironment, pointed);
        Assert.True(applied.ExitCode == 0, applied.Error);
    }

    /// <summary>A fresh namespace and a Ready ClusterIssuer for this fixture's Pebble.</summary>
    protected async Task<(string Ns, string Issuer)> NamespaceWithReadyIssuerAsync()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"pebble-{ns}";
        await cluster.ApplyAsync(cluster.ClusterIssuer(issuer));
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        return (ns, issuer);
    }

    protected async Task<string> CertificateAsync(string ns, string name, string issuer, string dnsNames, string extra = "")
    {
        var applied = await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: {{name}}, namespace: {{ns}}}
            spec:
              secretName: {{name}}-tls
              dnsNames: [{{dnsNames}}]
              issuerRef: {name: {{issuer}}, kind: ClusterIssuer}
            """ + extra);
        Assert.True(applied.ExitCode == 0, applied.Error);
        return name;
    }
}
