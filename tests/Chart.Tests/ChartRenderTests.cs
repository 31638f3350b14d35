using System.Text.Json.Nodes;
using CertFleet.TestSupport;

namespace CertFleet.Chart.Tests;

/// <summary>`helm lint` and `helm template` of helm/certfleet, asserting on the objects rendered.</summary>
public sealed class ChartRenderTests
{
    private static readonly string[] SelectorLabels = ["app.kubernetes.io/name", "app.kubernetes.io/instance"];

    [Fact]
    public async Task Helm_lint_passes_with_default_and_production_values()
    {
        foreach (var arguments in new[] { Array.Empty<string>(), ["--values", RenderedChart.ProductionValues] })
        {
            var (exitCode, output) = await HelmCli.RunAsync(["lint", HelmCli.Chart, "--strict", .. arguments]);
            Assert.True(exitCode == 0, output);
            Assert.Contains("1 chart(s) linted, 0 chart(s) failed", output);
        }
    }

    [Fact]
    public async Task Default_values_render_one_silo_without_disruption_budget_or_spreading()
    {
        var chart = await RenderedChart.RenderAsync();

        var deployment = chart.Single("Deployment");
        var chartYaml = File.ReadAllText(Path.Combine(HelmCli.Chart, "Chart.yaml"));
        var appVersion = chartYaml.Split('\n').Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal)).Split('"')[1];
        Assert.Equal(1, deployment["spec"]!["replicas"]!.GetValue<int>());
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal($"certfleet/certfleet:{appVersion}", pod["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Null(pod["affinity"]);
        Assert.Null(pod["topologySpreadConstraints"]);
        Assert.Empty(chart.OfKind("PodDisruptionBudget"));
        Assert.Empty(chart.OfKind("ServiceMonitor"));
        Assert.True(pod["containers"]![0]!["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(new string[0], "issuers.cert-manager.io/*,clusterissuers.cert-manager.io/*")]
    [InlineData(new[] { "--set", "approveSignerNames={issuers.cert-manager.io/*,stepissuers.certmanager.step.sm/*}" },
        "issuers.cert-manager.io/*,stepissuers.certmanager.step.sm/*")]
    public async Task The_approvers_signer_names_reach_the_silo_as_one_list(string[] arguments, string expected)
    {
        var chart = await RenderedChart.RenderAsync(arguments);

        var env = chart.Single("Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Equal(expected, Assert.Single(env, e => e!["name"]!.GetValue<string>() == "CertFleet__Approver__SignerNames")!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Network_policy_admits_silo_ports_only_from_the_release_pods_and_leaves_egress_open()
    {
        var chart = await RenderedChart.RenderAsync();

        var policy = chart.Single("NetworkPolicy")["spec"]!;
        var podLabels = chart.Single("Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        AssertSelectsReleasePods(policy["podSelector"]!, podLabels);
        Assert.Equal(["Ingress"], Strings(policy["policyTypes"]));
        Assert.Null(policy["egress"]);

        var rules = policy["ingress"]!.AsArray();
        var siloRule = Assert.Single(rules, r => PortNames(r).Contains("silo"));
        Assert.Equal(["silo"], PortNames(siloRule));
        var peer = Assert.Single(siloRule!["from"]!.AsArray());
        Assert.Null(peer!["namespaceSelector"]);
        AssertSelectsReleasePods(peer["podSelector"]!, podLabels);

        // Solver, metrics and health from any source by default: no "from" at all.
        foreach (var port in new[] { "http01", "metrics", "http" })
        {
            var rule = Assert.Single(rules, r => PortNames(r).Contains(port));
            Assert.Equal([port], PortNames(rule));
            Assert.Null(rule!["from"]);
        }
        // Every named port the policy opens is one the silo container declares.
        var declared = chart.Single("Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray()
            .Select(p => p!["name"]!.GetValue<string>()).ToHashSet();
        Assert.All(rules.SelectMany(PortNames), name => Assert.Contains(name, declared));
    }

    [Fact]
    public async Task Network_policy_takes_configured_peers_closed_ports_and_egress_rules()
    {
        var chart = await RenderedChart.RenderAsync(
            "--set-json", """networkPolicy.solver.from=[{"ipBlock":{"cidr":"10.0.0.0/8"}}]""",
            "--set", "networkPolicy.metrics.enabled=false",
            "--set-json", """networkPolicy.health.from=[{"namespaceSelector":{"matchLabels":{"team":"ops"}}}]""",
            "--set-json", """networkPolicy.egress=[{"ports":[{"port":53,"protocol":"UDP"}]}]""");

        var policy = chart.Single("NetworkPolicy")["spec"]!;
        var rules = policy["ingress"]!.AsArray();
        Assert.DoesNotContain(rules, r => PortNames(r).Contains("metrics"));
        var solver = Assert.Single(rules, r => PortNames(r).Contains("http01"));
        Assert.Equal("10.0.0.0/8", solver!["from"]![0]!["ipBlock"]!["cidr"]!.GetValue<string>());
        var health = Assert.Single(rules, r => PortNames(r).Contains("http"));
        Assert.Equal("ops", health!["from"]![0]!["namespaceSelector"]!["matchLabels"]!["team"]!.GetValue<string>());
        Assert.Equal(["Ingress", "Egress"], Strings(policy["policyTypes"]));
        Assert.Equal(53, policy["egress"]![0]!["ports"]![0]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_failure_backoff_durations_reach_the_silo_as_given()
    {
        var defaults = Env(await RenderedChart.RenderAsync());
        Assert.Equal(("1h", "32h"), (defaults["CertFleet__CertificateRequestMinimumBackoffDuration"], defaults["CertFleet__CertificateRequestMaximumBackoffDuration"]));

        var set = Env(await RenderedChart.RenderAsync("--set", "certificateRequestMinimumBackoffDuration=10m,certificateRequestMaximumBackoffDuration=1h30m"));
        Assert.Equal(("10m", "1h30m"), (set["CertFleet__CertificateRequestMinimumBackoffDuration"], set["CertFleet__CertificateRequestMaximumBackoffDuration"]));
    }

    private static Dictionary<string, string?> Env(RenderedChart chart) =>
        chart.Single("Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());

    [Fact]
    public async Task Network_policy_can_be_turned_off()
    {
        var chart = await RenderedChart.RenderAsync("--set", "networkPolicy.enabled=false");

        Assert.Empty(chart.OfKind("NetworkPolicy"));
    }

    [Fact]
    public async Task Production_values_render_disruption_budget_anti_affinity_spread_and_service_monitor()
    {
        var chart = await RenderedChart.RenderAsync("--values", RenderedChart.ProductionValues);

        var deployment = chart.Single("Deployment");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<int>());
        var pod = deployment["spec"]!["template"]!["spec"]!;

        var budget = chart.Single("PodDisruptionBudget")["spec"]!;
        Assert.Equal(1, budget["maxUnavailable"]!.GetValue<int>());
        Assert.Null(budget["minAvailable"]);
        AssertSelectsReleasePods(budget["selector"]!, podLabels);

        var preferred = Assert.Single(pod["affinity"]!["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]!.AsArray());
        Assert.Equal("kubernetes.io/hostname", preferred!["podAffinityTerm"]!["topologyKey"]!.GetValue<string>());
        AssertSelectsReleasePods(preferred["podAffinityTerm"]!["labelSelector"]!, podLabels);
        Assert.Null(pod["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]);

        var spread = Assert.Single(pod["topologySpreadConstraints"]!.AsArray());
        Assert.Equal("topology.kubernetes.io/zone", spread!["topologyKey"]!.GetValue<string>());
        Assert.Equal("ScheduleAnyway", spread["whenUnsatisfiable"]!.GetValue<string>());
        AssertSelectsReleasePods(spread["labelSelector"]!, podLabels);

        var redis = Assert.Single(pod["containers"]![0]!["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "CertFleet__Redis__ConnectionString");
        Assert.Equal("certfleet-redis", redis!["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());

        var monitor = chart.Single("ServiceMonitor");
        Assert.Equal("prometheus", monitor["metadata"]!["labels"]!["release"]!.GetValue<string>());
        var metricsService = Assert.Single(chart.OfKind("Service"), s => s["metadata"]!["name"]!.GetValue<string>().EndsWith("-metrics", StringComparison.Ordinal));
        var monitored = monitor["spec"]!["selector"]!["matchLabels"]!.AsObject();
        Assert.All(monitored, label => Assert.Equal(label.Value!.GetValue<string>(), metricsService["metadata"]!["labels"]![label.Key]!.GetValue<string>()));

        var solver = Assert.Single(chart.Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray(), r => PortNames(r).Contains("http01"));
        Assert.Equal("ingress-nginx", solver!["from"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());

        // Silo-to-silo mutual TLS from the pair the chart generates, mounted read-only and named by the settings.
        var env = pod["containers"]![0]!["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());
        Assert.Equal("true", env["CertFleet__Orleans__Tls__Enabled"]);
        Assert.Equal("/etc/certfleet/silo-tls/tls.crt", env["CertFleet__Orleans__Tls__CertificateFile"]);
        Assert.Equal("/etc/certfleet/silo-tls/ca.crt", env["CertFleet__Orleans__Tls__CaFile"]);
        var tlsSecret = Assert.Single(chart.OfKind("Secret"), s => s["metadata"]!["name"]!.GetValue<string>() == $"{RenderedChart.Release}-certfleet-silo-tls");
        Assert.Equal("kubernetes.io/tls", tlsSecret["type"]!.GetValue<string>());
        var tlsVolume = Assert.Single(pod["volumes"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "silo-tls");
        Assert.Equal($"{RenderedChart.Release}-certfleet-silo-tls", tlsVolume!["secret"]!["secretName"]!.GetValue<string>());
        Assert.DoesNotContain("CertFleet__Orleans__GatewayPort", env.Keys);

        // The dashboard on its own port, its credentials mounted from the named Secret.
        Assert.Equal("8081", env["CertFleet__Dashboard__Port"]);
        Assert.Equal("/etc/certfleet/dashboard/credentials", env["CertFleet__Dashboard__CredentialsFile"]);
        var dashboardVolume = Assert.Single(pod["volumes"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "dashboard-credentials");
        Assert.Equal("certfleet-dashboard", dashboardVolume!["secret"]!["secretName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Required_anti_affinity_none_and_given_affinity_or_spread_are_honoured()
    {
        string[] redis = ["--set", "replicaCount=2", "--set", "storage.type=redis", "--set", "storage.redis.connectionString=redis:6379"];

        var required = (await RenderedChart.RenderAsync([.. redis, "--set", "podAntiAffinity=required"])).Single("Deployment")["spec"]!["template"]!["spec"]!;
        Assert.Single(required["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!.AsArray());

        var none = (await RenderedChart.RenderAsync([.. redis, "--set", "podAntiAffinity=none"])).Single("Deployment")["spec"]!["template"]!["spec"]!;
        Assert.Null(none["affinity"]);

        var given = (await RenderedChart.RenderAsync([.. redis,
            "--set-json", """affinity={"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"pool","operator":"In","values":["infra"]}]}]}}}""",
            "--set-json", """topologySpreadConstraints=[{"maxSkew":2,"topologyKey":"rack","whenUnsatisfiable":"DoNotSchedule"}]"""]))
            .Single("Deployment")["spec"]!["template"]!["spec"]!;
        Assert.NotNull(given["affinity"]!["nodeAffinity"]);
        Assert.Null(given["affinity"]!["podAntiAffinity"]);
        Assert.Equal("rack", Assert.Single(given["topologySpreadConstraints"]!.AsArray())!["topologyKey"]!.GetValue<string>());
    }

    private static void AssertSelectsReleasePods(JsonNode selector, JsonObject podLabels)
    {
        var matchLabels = selector["matchLabels"]!.AsObject();
        Assert.Equal(SelectorLabels.Order(), matchLabels.Select(l => l.Key).Order());
        Assert.All(matchLabels, label => Assert.Equal(label.Value!.GetValue<string>(), podLabels[label.Key]!.GetValue<string>()));
        Assert.Equal(RenderedChart.Release, matchLabels["app.kubernetes.io/instance"]!.GetValue<string>());
    }

    private static List<string> PortNames(JsonNode? rule) =>
        (rule?["ports"]?.AsArray() ?? []).Select(p => p!["port"]!.GetValue<string>()).ToList();

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToList();
}
