using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

[Collection(ControllerCollection.Name)]
public sealed class SeedAndRestartTests(ControllerFixture cluster)
{
    private static string SeedDirectory => RepositoryCheckout.Seeds;

    private const string PrometheusRuleCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: prometheusrules.monitoring.coreos.com}
        spec:
          group: monitoring.coreos.com
          scope: Namespaced
          names: {plural: prometheusrules, singular: prometheusrule, kind: PrometheusRule, listKind: PrometheusRuleList}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;

    [Fact]
    public async Task EverySeedManifestAppliesWithPlainKubectl()
    {
        // PrometheusRule is a foreign kind (prometheus-operator's); give it the minimal CRD a cluster would have.
        await cluster.ApplyAsync(PrometheusRuleCrd);
        await cluster.MustAsync("wait", "--for=condition=Established", "crd/prometheusrules.monitoring.coreos.com", "--timeout=30s");
        var seeds = Directory.GetFiles(SeedDirectory, "*.yaml").Order().ToList();
        Assert.Equal(7, seeds.Count);
        foreach (var seed in seeds)
        {
            var (code, output, error) = await cluster.KubectlAsync("apply", "-f", seed);
            Assert.True(code == 0, $"kubectl apply -f {Path.GetFileName(seed)}: {error}{output}");
            Assert.Matches("(created|configured|unchanged)", output);
            // applying again changes nothing; a Secret written with stringData is the exception on a real apiserver
            // too (stringData is folded into data, so kubectl's patch always carries it again)
            var again = await cluster.KubectlAsync("apply", "-f", seed);
            Assert.Equal(0, again.ExitCode);
            Assert.DoesNotContain(again.Output.Split('\n'), line => line.EndsWith(" configured", StringComparison.Ordinal) && !line.StartsWith("secret/", StringComparison.Ordinal));
        }
        Assert.Equal("dns01", await cluster.MustAsync("get", "certificate", "sumguy-wildcard", "-o", "jsonpath={.spec.dnsPolicy}"));
        // CertFleet reports on every seeded issuer instead of ignoring it
        await Processes.Eventually(() => cluster.MustAsync("get", "clusterissuer", "letsencrypt-prod", "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"), s => s is "True" or "False", "letsencrypt-prod to get a Ready condition");
    }

    [Fact]
    public async Task RestartWithSecretsIntactIssuesNothing()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"selfsigned-{ns}";
        await cluster.ApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        foreach (var name in new[] { "one", "two", "three" })
            await cluster.ApplyAsync(Manifests.Certificate(ns, name, issuer, issuerKind: "ClusterIssuer"));
        foreach (var name in new[] { "one", "two", "three" })
            await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "certificate", name, "-o", "jsonpath={.status.revision}"),
                r => r == "1", $"{name} issued");
        var secretVersions = await cluster.MustAsync("-n", ns, "get", "secrets", "-o", "jsonpath={.items[*].metadata.resourceVersion}");

        await cluster.KillSiloAsync();
        await cluster.StartSiloAsync();
        // a new Certificate proves the restarted silo is reconciling; the old ones must not have been touched
        await cluster.ApplyAsync(Manifests.Certificate(ns, "four", issuer, issuerKind: "ClusterIssuer"));
        await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "certificate", "four", "-o", "jsonpath={.status.revision}"),
            r => r == "1", "four issued after the restart");

        var requests = (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["certificaterequest.cert-manager.io/four-1", "certificaterequest.cert-manager.io/one-1",
            "certificaterequest.cert-manager.io/three-1", "certificaterequest.cert-manager.io/two-1"], requests.Order());
        var after = await cluster.MustAsync("-n", ns, "get", "secrets", "-o", "jsonpath={.items[*].metadata.resourceVersion}");
        foreach (var version in secretVersions.Split(' '))
            Assert.Contains(version, after.Split(' '));
    }
}
