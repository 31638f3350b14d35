using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;
using CertFleet.Providers.Acme;
using CertFleet.Silo.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace CertFleet.Durability.Tests;

/// <summary>What the silo's /metrics renders from the bridge's view, the ACME client and the rate-limit budgets.</summary>
public sealed class CertManagerMetricsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly WatchedStatuses _statuses = new();
    private readonly ScriptedBudgets _budgets = new();
    private readonly CertManagerMetrics _metrics;

    public CertManagerMetricsTests() =>
        _metrics = new CertManagerMetrics(_statuses, new ControllerSyncs(), _budgets, new FixedClock(Now), NullLogger<CertManagerMetrics>.Instance);

    private async Task<string[]> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
    }

    private void Observe(string resource, string name, object? content, string cluster = "local") =>
        _statuses.Observe(new ObjectChange(resource, new ObjectKey(cluster, "team", name), "uid", content));

    [Fact]
    public async Task A_certificate_not_yet_issued_is_Unknown_with_zero_timestamps_and_its_series_go_when_it_is_deleted()
    {
        Observe("certificates.cert-manager.io", "new", new Certificate { Spec = new CertificateSpec { IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer", Group = "cert-manager.io" } } });

        var lines = await ScrapeAsync();
        const string labels = "name=\"new\",namespace=\"team\",issuer_name=\"ca\",issuer_kind=\"Issuer\",issuer_group=\"cert-manager.io\",cluster=\"local\"";
        Assert.Contains($"certmanager_certificate_expiration_timestamp_seconds{{{labels}}} 0", lines);
        Assert.Contains($"certmanager_certificate_renewal_timestamp_seconds{{{labels}}} 0", lines);
        Assert.Contains("certmanager_certificate_ready_status{name=\"new\",namespace=\"team\",condition=\"Unknown\",issuer_name=\"ca\",issuer_kind=\"Issuer\",issuer_group=\"cert-manager.io\",cluster=\"local\"} 1", lines);
        Assert.Contains("certmanager_certificate_ready_status{name=\"new\",namespace=\"team\",condition=\"True\",issuer_name=\"ca\",issuer_kind=\"Issuer\",issuer_group=\"cert-manager.io\",cluster=\"local\"} 0", lines);
        Assert.Contains($"certmanager_clock_time_seconds_gauge {Now.ToUnixTimeSeconds()}", lines);

        Observe("certificates.cert-manager.io", "new", null);
        Assert.DoesNotContain(await ScrapeAsync(), line => line.Contains("name=\"new\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_member_clusters_objects_have_their_own_series_and_the_guides_expiry_alert_fires_per_cluster()
    {
        // One Certificate "web" in namespace "team" of three members; east's and south's expire within the alert's 7 days.
        var expiries = new Dictionary<string, DateTimeOffset> { ["east"] = Now.AddDays(2), ["west"] = Now.AddDays(60), ["south"] = Now.AddDays(3) };
        foreach (var (cluster, notAfter) in expiries)
            Observe("certificates.cert-manager.io", "web", new Certificate
            {
                Spec = new CertificateSpec { IssuerRef = new IssuerRef { Name = "ca", Kind = "ClusterIssuer", Group = "cert-manager.io" } },
                Status = new CertificateStatus { NotAfter = notAfter },
            }, cluster);
        Observe("issuers.cert-manager.io", "ca", new IssuerObject { Kind = "Issuer", Metadata = new ObjectMeta { Name = "ca" }, Spec = new IssuerSpec() }, "east");
        Observe("challenges.acme.cert-manager.io", "web-1", new Challenge { Spec = new ChallengeSpec { DnsName = "web.example", Type = "HTTP-01" } }, "west");

        var lines = await ScrapeAsync();
        const string web = "name=\"web\",namespace=\"team\",issuer_name=\"ca\",issuer_kind=\"ClusterIssuer\",issuer_group=\"cert-manager.io\"";
        var expirations = lines.Where(line => line.StartsWith("certmanager_certificate_expiration_timestamp_seconds{", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, expirations.Count);
        foreach (var (cluster, notAfter) in expiries)
            Assert.Contains($"certmanager_certificate_expiration_timestamp_seconds{{{web},cluster=\"{cluster}\"}} {notAfter.ToUnixTimeSeconds()}", lines);
        Assert.Contains("certmanager_issuer_ready_status{name=\"ca\",namespace=\"team\",condition=\"Unknown\",cluster=\"east\"} 1", lines);
        Assert.Contains(lines, line => line.StartsWith("certmanager_certificate_challenge_status{", StringComparison.Ordinal) && line.Contains("cluster=\"west\"", StringComparison.Ordinal));

        // The seed's rule, unchanged, over these series as Prometheus would scrape them: promtool's time 0 is Now.
        var input = string.Concat(expiries.Select(e => $$"""

                  - series: 'certmanager_certificate_expiration_timestamp_seconds{{{web}},cluster="{{e.Key}}"}'
                    values: '{{(e.Value - Now).TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}+0x200'
            """));
        await CertFleet.TestSupport.Promtool.AssertSeedRuleTestPassesAsync($$"""
            rule_files: [rules.yaml]
            evaluation_interval: 30s
            tests:
              - interval: 30s
                input_series:{{input}}
                alert_rule_test:
                  - eval_time: 90m
                    alertname: CertificateExpiringSoon
                    exp_alerts:
                      - exp_labels: {name: web, namespace: team, issuer_name: ca, issuer_kind: ClusterIssuer, issuer_group: cert-manager.io, cluster: east}
                        exp_annotations: {summary: "Certificate web expires in less than 7 days"}
                      - exp_labels: {name: web, namespace: team, issuer_name: ca, issuer_kind: ClusterIssuer, issuer_group: cert-manager.io, cluster: south}
                        exp_annotations: {summary: "Certificate web expires in less than 7 days"}
            """);
    }

    [Fact]
    public async Task A_renewal_time_that_has_passed_counts_as_due()
    {
        Observe("certificates.cert-manager.io", "late", new Certificate { Status = new CertificateStatus { RenewalTime = Now.AddMinutes(-1) } });
        Observe("certificates.cert-manager.io", "fine", new Certificate { Status = new CertificateStatus { RenewalTime = Now.AddDays(1) } });

        Assert.Contains("certfleet_certificate_renewals_due 1", await ScrapeAsync());
    }

    [Fact]
    public async Task A_challenge_reason_loses_control_characters_and_is_cut_at_256_bytes()
    {
        Observe("challenges.acme.cert-manager.io", "web-1-1-1", new Challenge
        {
            Spec = new ChallengeSpec { DnsName = "www.example.com", Type = "HTTP-01" },
            Status = new ChallengeStatus { State = "errored", Reason = "<html>\n" + new string('x', 400) },
        });

        var errored = Assert.Single(await ScrapeAsync(), line => line.StartsWith("certmanager_certificate_challenge_status{status=\"errored\"", StringComparison.Ordinal));
        Assert.Contains($"reason=\"<html> {new string('x', 249)}\"", errored);
        Assert.EndsWith(" 1", errored);
    }

    [Fact]
    public async Task Acme_requests_are_counted_and_timed_by_cert_managers_labels_without_a_total_suffix()
    {
        _metrics.Completed(new AcmeExchange("https", "ca.test:14000", AcmeActions.AuthorizeOrder, "POST", 201, TimeSpan.FromMilliseconds(40)));
        _metrics.Completed(new AcmeExchange("https", "ca.test:14000", AcmeActions.AuthorizeOrder, "POST", 201, TimeSpan.FromMilliseconds(60)));

        var lines = await ScrapeAsync();
        const string labels = "scheme=\"https\",host=\"ca.test:14000\",action=\"authorize_order\",method=\"POST\",status=\"201\"";
        Assert.Contains("# TYPE certmanager_http_acme_client_request_count counter", lines);
        Assert.Contains($"certmanager_http_acme_client_request_count{{{labels}}} 2", lines);
        Assert.Contains("# TYPE certmanager_http_acme_client_request_duration_seconds summary", lines);
        Assert.Contains($"certmanager_http_acme_client_request_duration_seconds_count{{{labels}}} 2", lines);
        Assert.Contains($"certmanager_http_acme_client_request_duration_seconds_sum{{{labels}}} 0.1", lines);
        foreach (var quantile in new[] { "0.5", "0.9", "0.99" })
            Assert.Contains(lines, line => line.StartsWith($"certmanager_http_acme_client_request_duration_seconds{{{labels},quantile=\"{quantile}\"}}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rate_limit_budgets_are_exported_and_kept_when_the_next_read_fails()
    {
        _budgets.Next = [new RateLimitBudgetSnapshot("acme-v02.api.letsencrypt.org", "certificates-per-registered-domain", "example.com", 0, Now.AddHours(3)),
                         new RateLimitBudgetSnapshot("acme-v02.api.letsencrypt.org", "new-orders-per-account", "12345", 290, null)];

        var lines = await ScrapeAsync();
        const string exhausted = "server=\"acme-v02.api.letsencrypt.org\",limit=\"certificates-per-registered-domain\",key=\"example.com\"";
        Assert.Contains($"certfleet_acme_rate_limit_remaining{{{exhausted}}} 0", lines);
        Assert.Contains($"certfleet_acme_rate_limit_reopen_timestamp_seconds{{{exhausted}}} {Now.AddHours(3).ToUnixTimeSeconds()}", lines);
        Assert.Contains("certfleet_acme_rate_limit_remaining{server=\"acme-v02.api.letsencrypt.org\",limit=\"new-orders-per-account\",key=\"12345\"} 290", lines);
        // a full budget has nothing to reopen
        Assert.DoesNotContain(lines, line => line.StartsWith("certfleet_acme_rate_limit_reopen_timestamp_seconds{", StringComparison.Ordinal) && line.Contains("12345", StringComparison.Ordinal));

        _budgets.Failure = new InvalidOperationException("budget grain unavailable");
        Assert.Contains($"certfleet_acme_rate_limit_remaining{{{exhausted}}} 0", await ScrapeAsync());
    }

    public void Dispose() => _metrics.Dispose();

    private sealed class ScriptedBudgets : IRateLimitBudgetSnapshots
    {
        public IReadOnlyList<RateLimitBudgetSnapshot> Next { get; set; } = [];
        public Exception? Failure { get; set; }

        public Task<IReadOnlyList<RateLimitBudgetSnapshot>> GetAsync(CancellationToken ct) =>
            Failure is null ? Task.FromResult(Next) : Task.FromException<IReadOnlyList<RateLimitBudgetSnapshot>>(Failure);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
