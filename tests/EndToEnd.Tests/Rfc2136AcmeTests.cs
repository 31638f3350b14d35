using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>DNS-01 through RFC 2136: CertFleet updates a real BIND with TSIG, Pebble validates against that BIND.</summary>
[Collection(Rfc2136AcmeCollection.Name)]
public sealed class Rfc2136AcmeTests(Rfc2136AcmeFixture cluster) : AcmeSteps(cluster)
{
    [Fact]
    public async Task AWildcardAndItsApexAreIssuedThroughBind()
    {
        var bind = cluster.Bind;
        await cluster.ApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: bind-tsig, namespace: cert-manager}
            data: {secret: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Convert.ToBase64String(bind.Sha256Secret)))}}}
            """);
        await cluster.ApplyAsync(cluster.ClusterIssuer("bind", [
            "solvers:",
            "  - dns01:",
            $"      nameservers: [\"{bind.Nameserver}\"]",
            "      rfc2136:",
            $"        nameserver: \"{bind.Nameserver}\"",
            $"        tsigKeyName: {Rfc2136BindServer.Sha256KeyName}",
            "        tsigAlgorithm: HMACSHA256",
            "        tsigSecretSecretRef: {name: bind-tsig, key: secret}",
        ]).Replace("    solvers:\n      - http01:\n          ingress:\n            class: nginx\n", "", StringComparison.Ordinal));
        await WaitAsync("clusterissuer", "", "bind", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");

        var ns = await cluster.NamespaceAsync();
        var apex = $"{ns}.{Rfc2136BindServer.Sha256Zone}";
        await CertificateAsync(ns, "zone", "bind", $"\"*.{apex}\", {apex}");
        await WaitAsync("certificate", ns, "zone", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await AssertChainsToPebbleRootAsync(ns, "zone-tls", 0, $"*.{apex}", apex);

        var challenges = (await cluster.MustAsync("-n", ns, "get", "challenges", "-o",
            "jsonpath={range .items[*]}{.spec.type} {.spec.wildcard} {.status.state}{\"\\n\"}{end}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["DNS-01 false valid", "DNS-01 true valid"], challenges.Order());
        // both values were published on _acme-challenge.<apex> together, and both are gone after clean-up
        Assert.Empty(await bind.TxtValuesAsync($"_acme-challenge.{apex}"));
    }
}
