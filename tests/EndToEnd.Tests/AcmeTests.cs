using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CertFleet.EndToEnd.Tests;

/// <summary>ACME issuance on Debian's Pebble through kubectl: Issuer, Certificate, CertificateRequest, Order, Challenge.</summary>
[Collection(AcmeCollection.Name)]
public sealed class AcmeTests(AcmeFixture cluster)
{
    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync(ns.Length == 0 ? ["get", kind, name, "-o", $"jsonpath={jsonPath}"] : ["-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}"]);

    private Task<string> WaitAsync(string kind, string ns, string name, string jsonPath, string expected, int seconds = 120) =>
        Processes.Eventually(async () => (await cluster.KubectlAsync(ns.Length == 0 ? ["get", kind, name, "-o", $"jsonpath={jsonPath}"]
                : ["-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}"])).Output,
            v => v == expected, $"{kind} {ns}/{name} {jsonPath} = {expected} (silo log: {cluster.SiloLog})\n{cluster.Pebble.Log[^Math.Min(2000, cluster.Pebble.Log.Length)..]}", seconds);

    private async Task<X509Certificate2Collection> ChainAsync(string ns, string secret)
    {
        var pem = Encoding.UTF8.GetString(Convert.FromBase64String(
            await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", "jsonpath={.data.tls\\.crt}")));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(pem);
        return chain;
    }

    private async Task AssertChainsToPebbleRootAsync(string ns, string secret, params string[] names)
    {
        var certificates = await ChainAsync(ns, secret);
        using var root = X509Certificate2.CreateFromPem(await cluster.Pebble.RootPemAsync(0));
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

    [Fact]
    public async Task Http01IssuesForSeveralNamesAndAnIpAndTheLadderTellsTheStory()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"pebble-{ns}";
        await cluster.ApplyAsync(cluster.ClusterIssuer(issuer));
        await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ACMEAccountRegistered");
        Assert.StartsWith("https://127.0.0.1:", await Field("clusterissuer", "", issuer, "{.status.acme.uri}"));
        Assert.NotEmpty(await cluster.MustAsync("-n", "cert-manager", "get", "secret", $"{issuer}-account-key", "-o", "name"));

        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: site, namespace: {{ns}}}
            spec:
              secretName: site-tls
              dnsNames: [www.{{ns}}.example, api.{{ns}}.example]
              ipAddresses: [127.0.0.1]
              privateKey: {algorithm: ECDSA, size: 256}
              issuerRef: {name: {{issuer}}, kind: ClusterIssuer}
            """);
        await WaitAsync("certificate", ns, "site", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "site-tls", $"www.{ns}.example", $"api.{ns}.example", "127.0.0.1");

        // Certificate → CertificateRequest → Order → Challenges, as kubectl shows them
        var request = await cluster.MustAsync("-n", ns, "describe", "certificaterequest", "site-1");
        Assert.Contains("OrderCreated", request);
        Assert.Contains("Certificate fetched from issuer successfully", request);
        var orders = (await cluster.MustAsync("-n", ns, "get", "orders", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.state}{\"\\n\"}{end}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var order = Assert.Single(orders);
        Assert.Matches(@"^site-1-\d+ valid$", order);
        var orderName = order.Split(' ')[0];
        var orderDescription = await cluster.MustAsync("-n", ns, "describe", "order", orderName);
        Assert.Contains("Order completed successfully", orderDescription);
        Assert.Contains("Created Challenge resource", orderDescription);
        var challenges = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o",
            "jsonpath={range .items[*]}{.spec.dnsName} {.status.state} {.status.reason}{\"\\n\"}{end}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, challenges.Length);
        Assert.All(challenges, c => Assert.EndsWith(" valid Successfully authorized domain", c));
        var challengeName = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[0].metadata.name}")).Trim();
        var challengeDescription = await cluster.MustAsync("-n", ns, "describe", "challenge", challengeName);
        foreach (var reason in new[] { "Started", "Presented", "DomainVerified" })
            Assert.Contains(reason, challengeDescription);
        Assert.Equal("", await Field("challenge", ns, challengeName, "{.metadata.finalizers}"));
        // the temporary solver Ingresses are gone once the challenges are done
        Assert.Equal("", (await cluster.MustAsync("-n", ns, "get", "ingress", "-l", "acme.cert-manager.io/http01-solver=true", "-o", "name")).Trim());
    }

    [Fact]
    public async Task TheGuidesLetsEncryptClusterIssuerIssuesWhenPointedAtPebble()
    {
        var seed = await File.ReadAllTextAsync(Path.Combine(Processes.RepositoryRoot, "..", "shared", "examples", "seed", "01-clusterissuer-letsencrypt-prod.yaml"));
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.Pebble.ListenerCaPem));
        var pointed = seed.Replace("server: https://acme-v02.api.letsencrypt.org/directory",
            $"server: {cluster.Pebble.DirectoryUrl}\n    caBundle: {caBundle}", StringComparison.Ordinal);
        Assert.NotEqual(seed, pointed);
        var applied = await cluster.ApplyAsync(pointed);
        Assert.True(applied.ExitCode == 0, applied.Error);
        await WaitAsync("clusterissuer", "", "letsencrypt-prod", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        var ns = await cluster.NamespaceAsync();
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: guide, namespace: {{ns}}}
            spec:
              secretName: guide-tls
              dnsNames: [example.{{ns}}.sumguy.com]
              issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer}
            """);
        await WaitAsync("certificate", ns, "guide", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "guide-tls", $"example.{ns}.sumguy.com");
    }
}
