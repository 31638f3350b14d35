using System.Globalization;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// cert-manager's metrics as Prometheus scrapes them from the silo, and the guide's expiry alert (seed 06) evaluated
/// by Debian's promtool over that scrape.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class MetricsTests(ControllerFixture cluster)
{
    private const string Ready = "certmanager_certificate_ready_status";
    /// <summary>The fixture's silo runs with the default CertFleet:ClusterName: its home cluster is "local".</summary>
    private const string Cluster = "local";
    private const string Expiration = "certmanager_certificate_expiration_timestamp_seconds";
    private static readonly string[] CertificateTimes =
    [
        Expiration, "certmanager_certificate_not_after_timestamp_seconds", "certmanager_certificate_not_before_timestamp_seconds",
        "certmanager_certificate_renewal_timestamp_seconds",
    ];

    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync("-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}");

    private async Task<double> UnixSecondsAsync(string ns, string name, string field) =>
        DateTimeOffset.Parse(await Field("certificate", ns, name, $"{{.status.{field}}}"), CultureInfo.InvariantCulture).ToUnixTimeSeconds();

    [Fact]
    public async Task CertManagersMetricsCarryTheStatusOfEachObjectAndTheGuidesExpiryAlertFiresOnlyForTheShortCertificate()
    {
        var ns = await cluster.NamespaceAsync();
        var clusterIssuer = $"selfsigned-{ns}";
        await cluster.ApplyAsync(Manifests.SelfSignedClusterIssuer(clusterIssuer));
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata:
              name: self
              namespace: {{ns}}
            spec:
              selfSigned: {}
            """);
        // 48 h: expires within the alert's 7 days; renewBefore defaults to a third of it, so it is not renewed now.
        await cluster.ApplyAsync(Manifests.Certificate(ns, "short", "self", "duration: 48h"));
        await cluster.ApplyAsync(Manifests.Certificate(ns, "long", clusterIssuer, issuerKind: "ClusterIssuer"));
        foreach (var name in new[] { "short", "long" })
            await Processes.Eventually(() => Field("certificate", ns, name, "{.status.conditions[?(@.type==\"Ready\")].status}"),
                status => status == "True", $"Certificate {ns}/{name} Ready (silo log: {cluster.SiloLog})");

        var scrape = await Processes.Eventually(cluster.ScrapeAsync,
            s => s.Named(Ready).Count(x => x.Has(("namespace", ns), ("condition", "True")) && x.Value == 1) == 2,
            "both Certificates Ready in the metrics");

        foreach (var (name, issuer, kind) in new[] { ("short", "self", "Issuer"), ("long", clusterIssuer, "ClusterIssuer") })
        {
            (string, string)[] labels = [("name", name), ("namespace", ns), ("issuer_name", issuer), ("issuer_kind", kind), ("issuer_group", "cert-manager.io"), ("cluster", Cluster)];
            Assert.Equal(1, scrape.Value(Ready, [.. labels, ("condition", "True")]));
            Assert.Equal(0, scrape.Value(Ready, [.. labels, ("condition", "False")]));
            Assert.Equal(0, scrape.Value(Ready, [.. labels, ("condition", "Unknown")]));
            var notAfter = await UnixSecondsAsync(ns, name, "notAfter");
            Assert.Equal(notAfter, scrape.Value(Expiration, labels));
            Assert.Equal(notAfter, scrape.Value("certmanager_certificate_not_after_timestamp_seconds", labels));
            Assert.Equal(await UnixSecondsAsync(ns, name, "notBefore"), scrape.Value("certmanager_certificate_not_before_timestamp_seconds", labels));
            Assert.Equal(await UnixSecondsAsync(ns, name, "renewalTime"), scrape.Value("certmanager_certificate_renewal_timestamp_seconds", labels));
            foreach (var metric in CertificateTimes)
                Assert.Equal(["cluster", "issuer_group", "issuer_kind", "issuer_name", "name", "namespace"],
                    scrape.Named(metric).First(s => s.Has(labels)).Labels.Keys.Order());
        }
        Assert.Equal(1, scrape.Value("certmanager_issuer_ready_status", ("name", "self"), ("namespace", ns), ("condition", "True"), ("cluster", Cluster)));
        Assert.Equal(0, scrape.Value("certmanager_issuer_ready_status", ("name", "self"), ("namespace", ns), ("condition", "Unknown")));
        Assert.Equal(1, scrape.Value("certmanager_clusterissuer_ready_status", ("name", clusterIssuer), ("condition", "True"), ("cluster", Cluster)));
        Assert.Equal(0, scrape.Value("certmanager_clusterissuer_ready_status", ("name", clusterIssuer), ("condition", "False")));
        Assert.Equal(["cluster", "condition", "name"], scrape.Named("certmanager_clusterissuer_ready_status").First().Labels.Keys.Order());
        Assert.Equal(["cluster", "condition", "name", "namespace"], scrape.Named("certmanager_issuer_ready_status").First().Labels.Keys.Order());

        // cert-manager's types and names: counters without _total (text format 0.0.4, as cert-manager serves it)
        Assert.Equal("gauge", scrape.Types[Ready]);
        Assert.Equal("counter", scrape.Types["certmanager_controller_sync_call_count"]);
        Assert.Equal("gauge", scrape.Types["certmanager_clock_time_seconds_gauge"]);
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("certmanager_", StringComparison.Ordinal) && s.Name.EndsWith("_total", StringComparison.Ordinal));
        Assert.True(scrape.Value("certmanager_controller_sync_call_count", ("controller", "certificates"), ("cluster", Cluster)) >= 2);
        Assert.True(scrape.Value("certmanager_controller_sync_call_count", ("controller", "issuers"), ("cluster", Cluster)) >= 1);
        Assert.Single(scrape.Named("certmanager_controller_sync_error_count"), s => s.Has(("controller", "certificates"), ("cluster", Cluster)));
        var clock = scrape.Value("certmanager_clock_time_seconds_gauge");
        Assert.InRange(clock, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // Orleans' own meter: activations per grain type
        Assert.True(scrape.Value("microsoft_orleans_orleans_grains", ("grain_type", "certificate")) >= 2);

        await AssertExpiryAlertAsync(scrape, ns, clock);

        // A deleted Certificate's series go with it.
        await cluster.MustAsync("-n", ns, "delete", "certificate", "long");
        var after = await Processes.Eventually(cluster.ScrapeAsync,
            s => !s.Samples.Any(x => x.Name.StartsWith("certmanager_certificate_", StringComparison.Ordinal) && x.Has(("namespace", ns), ("name", "long"))),
            "the deleted Certificate's series to go");
        Assert.Equal(1, after.Value(Ready, ("namespace", ns), ("name", "short"), ("condition", "True")));
    }

    [Fact]
    public async Task NothingButMetricsIsServedOnTheMetricsPort()
    {
        using var health = await cluster.GetAsync($"http://127.0.0.1:{cluster.SiloHttpPort}/health/ready");
        Assert.True(health.IsSuccessStatusCode, $"/health/ready on the http port: {(int)health.StatusCode}");
        foreach (var path in new[] { "/dashboard/", "/health/ready", "/" })
        {
            using var notOnMetrics = await cluster.GetAsync($"http://127.0.0.1:{cluster.MetricsPort}{path}");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, notOnMetrics.StatusCode);
        }
    }

    /// <summary>
    /// promtool evaluates from time 0, so each expiry is written relative to the scrape's own clock
    /// (certmanager_clock_time_seconds_gauge): time() at evaluation T then stands for scrape time + T, and the rule's
    /// "expires in less than 7 days" compares exactly as it would have in Prometheus.
    /// </summary>
    private static async Task AssertExpiryAlertAsync(PrometheusScrape scrape, string ns, double clock)
    {
        var series = scrape.Named(Expiration).Where(s => s.Has(("namespace", ns))).ToList();
        Assert.Equal(2, series.Count);
        var input = string.Concat(series.Select(s => $"""

                  - series: '{s.Series}'
                    values: '{(s.Value - clock).ToString("R", CultureInfo.InvariantCulture)}+0x200'
            """));
        await Promtool.AssertSeedRuleTestPassesAsync($$"""
            rule_files: [rules.yaml]
            evaluation_interval: 30s
            tests:
              - interval: 30s
                input_series:{{input}}
                alert_rule_test:
                  # pending for its 1 h "for", nothing fires yet
                  - eval_time: 30m
                    alertname: CertificateExpiringSoon
                    exp_alerts: []
                  # then exactly the 48 h Certificate, not the 90-day one; cluster is CertFleet's label
                  - eval_time: 90m
                    alertname: CertificateExpiringSoon
                    exp_alerts:
                      - exp_labels: {name: short, namespace: {{ns}}, issuer_name: self, issuer_kind: Issuer, issuer_group: cert-manager.io, cluster: {{Cluster}}}
                        exp_annotations: {summary: "Certificate short expires in less than 7 days"}
            """);
    }
}
