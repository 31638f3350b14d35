using System.Net;
using CertFleet.TestSupport;
using k8s;
using k8s.Autorest;

namespace CertFleet.Chart.Tests;

/// <summary>
/// The chart against the API emulator, which validates Deployments, PodDisruptionBudgets, NetworkPolicies and RBAC
/// as kube-apiserver does: `kubectl apply --dry-run=server` of both renders, then `helm install` and `helm uninstall`.
/// </summary>
public sealed class EmulatorInstallTests(ChartEmulator emulator) : IClassFixture<ChartEmulator>
{
    private static readonly string[] DefaultKinds =
        ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "Deployment", "NetworkPolicy"];

    [Fact]
    public async Task Default_render_passes_server_side_dry_run_and_creates_nothing()
    {
        var ns = await emulator.CreateNamespaceAsync("dry-default");
        var chart = await RenderedChart.RenderAsync("--namespace", ns);

        var (exitCode, output) = await emulator.KubectlAsync("apply", "--dry-run=server", "-n", ns, "-f", chart.WriteTo(emulator.WorkDirectory));

        Assert.True(exitCode == 0, output);
        foreach (var kind in DefaultKinds)
            Assert.Contains($"{kind.ToLowerInvariant()}", output);
        Assert.Equal(chart.Objects.Count, output.Split('\n').Count(l => l.EndsWith("(server dry run)", StringComparison.Ordinal)));
        Assert.Empty((await emulator.Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
        Assert.Empty((await emulator.Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns)).Items);
    }

    [Fact]
    public async Task Production_render_passes_server_side_dry_run()
    {
        await emulator.InstallServiceMonitorCrdAsync();
        var ns = await emulator.CreateNamespaceAsync("dry-prod");
        var chart = await RenderedChart.RenderAsync("--namespace", ns, "--values", RenderedChart.ProductionValues);

        var (exitCode, output) = await emulator.KubectlAsync("apply", "--dry-run=server", "-n", ns, "-f", chart.WriteTo(emulator.WorkDirectory));

        Assert.True(exitCode == 0, output);
        Assert.Contains("poddisruptionbudget.policy/cf-certfleet created (server dry run)", output);
        Assert.Contains("servicemonitor.monitoring.coreos.com/cf-certfleet created (server dry run)", output);
        Assert.Contains("networkpolicy.networking.k8s.io/cf-certfleet created (server dry run)", output);
        Assert.Equal(chart.Objects.Count, output.Split('\n').Count(l => l.EndsWith("(server dry run)", StringComparison.Ordinal)));
        Assert.Empty((await emulator.Client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns)).Items);
    }

    [Fact]
    public async Task A_render_the_apiserver_would_refuse_fails_the_dry_run()
    {
        var ns = await emulator.CreateNamespaceAsync("dry-bad");
        var chart = await RenderedChart.RenderAsync("--namespace", ns);
        // A selector that no longer matches the pod template, as a careless template edit would leave it.
        var broken = chart.Yaml.Replace("      app.kubernetes.io/instance: cf\n  template:", "      app.kubernetes.io/instance: other\n  template:",
            StringComparison.Ordinal);
        Assert.NotEqual(chart.Yaml, broken);
        var path = Path.Combine(emulator.WorkDirectory, "broken.yaml");
        await File.WriteAllTextAsync(path, broken);

        var (exitCode, output) = await emulator.KubectlAsync("apply", "--dry-run=server", "-n", ns, "-f", path);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("The Deployment \"cf-certfleet\" is invalid: spec.template.metadata.labels: Invalid value: " +
            "map[string]string{\"app.kubernetes.io/instance\":\"cf\", \"app.kubernetes.io/name\":\"certfleet\"}: `selector` does not match template `labels`", output);
    }

    [Fact]
    public async Task Helm_install_then_uninstall_with_default_values_leaves_nothing_behind()
    {
        var ns = await emulator.CreateNamespaceAsync("install-default");
        const string release = "cf-default";
        var fullname = $"{release}-certfleet";

        var (installed, installOutput) = await emulator.HelmAsync("install", release, HelmCli.Chart, "--namespace", ns);

        Assert.True(installed == 0, installOutput);
        Assert.Contains("STATUS: deployed", installOutput);
        var client = emulator.Client;
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(fullname, ns);
        Assert.Equal(fullname, deployment.Spec.Template.Spec.ServiceAccountName);
        var policy = await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(fullname, ns);
        Assert.Equal(release, policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/instance"]);
        await client.RbacAuthorizationV1.ReadClusterRoleAsync(fullname);
        var binding = await client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(fullname);
        Assert.Equal(fullname, binding.RoleRef.Name);
        var releaseSecret = Assert.Single((await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: $"owner=helm,name={release}")).Items);
        Assert.Equal("helm.sh/release.v1", releaseSecret.Type);
        Assert.Empty((await client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns)).Items);

        var (uninstalled, uninstallOutput) = await emulator.HelmAsync("uninstall", release, "--namespace", ns);

        Assert.True(uninstalled == 0, uninstallOutput);
        Assert.Contains($"release \"{release}\" uninstalled", uninstallOutput);
        await AssertGoneAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(fullname, ns));
        await AssertGoneAsync(() => client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(fullname, ns));
        await AssertGoneAsync(() => client.RbacAuthorizationV1.ReadClusterRoleAsync(fullname));
        await AssertGoneAsync(() => client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(fullname));
        await AssertGoneAsync(() => client.CoreV1.ReadNamespacedServiceAccountAsync(fullname, ns));
        Assert.Empty((await client.CoreV1.ListNamespacedServiceAsync(ns)).Items);
        Assert.Empty((await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "owner=helm")).Items);
    }

    [Fact]
    public async Task Helm_install_then_uninstall_with_production_values_leaves_nothing_behind()
    {
        await emulator.InstallServiceMonitorCrdAsync();
        var ns = await emulator.CreateNamespaceAsync("install-prod");
        const string release = "cf-prod";
        var fullname = $"{release}-certfleet";

        var (installed, installOutput) = await emulator.HelmAsync(
            "install", release, HelmCli.Chart, "--namespace", ns, "--values", RenderedChart.ProductionValues);

        Assert.True(installed == 0, installOutput);
        var client = emulator.Client;
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(fullname, ns);
        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.NotNull(deployment.Spec.Template.Spec.Affinity.PodAntiAffinity);
        var budget = await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(fullname, ns);
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        var monitor = await client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>(
            "monitoring.coreos.com", "v1", ns, "servicemonitors", fullname);
        Assert.Equal("metrics", monitor.GetProperty("spec").GetProperty("endpoints")[0].GetProperty("port").GetString());

        // The generated silo pair: a certificate for both ends of a connection, from the CA in ca.crt; an upgrade
        // keeps it, or running silos and new ones would refuse each other.
        var pair = await client.CoreV1.ReadNamespacedSecretAsync($"{fullname}-silo-tls", ns);
        using (var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(pair.Data["ca.crt"])))
        using (var silo = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
                   System.Text.Encoding.ASCII.GetString(pair.Data["tls.crt"]), System.Text.Encoding.ASCII.GetString(pair.Data["tls.key"])))
        using (var chain = new System.Security.Cryptography.X509Certificates.X509Chain())
        {
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            Assert.True(chain.Build(silo), string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation)));
            var usages = silo.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages
                .Cast<System.Security.Cryptography.Oid>().Select(oid => oid.Value).ToList();
            Assert.Contains("1.3.6.1.5.5.7.3.1", usages); // server auth
            Assert.Contains("1.3.6.1.5.5.7.3.2", usages); // client auth
        }
        var (upgraded, upgradeOutput) = await emulator.HelmAsync(
            "upgrade", release, HelmCli.Chart, "--namespace", ns, "--values", RenderedChart.ProductionValues);
        Assert.True(upgraded == 0, upgradeOutput);
        var kept = await client.CoreV1.ReadNamespacedSecretAsync($"{fullname}-silo-tls", ns);
        Assert.Equal(pair.Data["ca.crt"], kept.Data["ca.crt"]);
        Assert.Equal(pair.Data["tls.crt"], kept.Data["tls.crt"]);
        Assert.Equal(pair.Data["tls.key"], kept.Data["tls.key"]);

        var (uninstalled, uninstallOutput) = await emulator.HelmAsync("uninstall", release, "--namespace", ns);

        Assert.True(uninstalled == 0, uninstallOutput);
        await AssertGoneAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(fullname, ns));
        await AssertGoneAsync(() => client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(fullname, ns));
        await AssertGoneAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<System.Text.Json.JsonElement>(
            "monitoring.coreos.com", "v1", ns, "servicemonitors", fullname));
        await AssertGoneAsync(() => client.RbacAuthorizationV1.ReadClusterRoleAsync(fullname));
        Assert.Empty((await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: "owner=helm")).Items);
    }

    private static async Task AssertGoneAsync<T>(Func<Task<T>> read)
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(read);
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }
}
