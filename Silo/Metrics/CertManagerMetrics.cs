using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Providers.Acme;
using Prometheus;

namespace CertFleet.Silo.Metrics;

/// <summary>
/// The registry behind <c>/metrics</c>: cert-manager's metrics under cert-manager's exact names, labels and types,
/// CertFleet's own (<c>certfleet_*</c>), Orleans' meter and the process. Object series are rebuilt from
/// <see cref="WatchedStatuses"/> on every scrape, as cert-manager's collectors read its informer caches.
/// CertFleet's addition to cert-manager's labels: <c>cluster</c> (the member cluster's name) on the object series and
/// the sync counters, exported for every member this silo watches; the silos watch disjoint members, so Prometheus
/// gets each member's series from exactly one silo. The ACME client's series have no cluster: one account serves
/// every member that uses it.
/// </summary>
public sealed class CertManagerMetrics : IAcmeRequestObserver, IDisposable
{
    private static readonly string[] ReadyConditions = [ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown];

    // cert-manager's order; "" is a Challenge that has no state yet.
    private static readonly string[] ChallengeStates =
        [OrderStates.Ready, OrderStates.Valid, OrderStates.Errored, OrderStates.Expired, OrderStates.Invalid, OrderStates.Processing, "", OrderStates.Pending];

    // cert-manager bounds the reason label: CAs put whole HTML pages into challenge errors.
    private const int MaxReasonLength = 256;

    // Not Orleans' grain-call latency histogram: recorded on every call, it cost about 3 % of the silo's CPU per
    // certificate.
    private static readonly string[] OrleansInstruments =
        ["orleans-grains", "orleans-catalog-activations", "orleans-reminders-", "orleans-storage-"];

    private static readonly string[] CertificateLabels = ["name", "namespace", "issuer_name", "issuer_kind", "issuer_group", "cluster"];
    private static readonly string[] AcmeRequestLabels = ["scheme", "host", "action", "method", "status"];

    private readonly WatchedStatuses _statuses;
    private readonly ControllerSyncs _syncs;
    private readonly IRateLimitBudgetSnapshots _budgets;
    // The budgets come from grains; a slow or failing answer must not fail the scrape.
    private static readonly TimeSpan BudgetsTimeout = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _clock;
    private readonly ILogger<CertManagerMetrics> _logger;
    private readonly IDisposable _orleansMeter;
    private readonly Lock _refreshing = new();

    private readonly Gauge _certificateReady;
    private readonly Gauge _certificateExpiration;
    private readonly Gauge _certificateNotAfter;
    private readonly Gauge _certificateNotBefore;
    private readonly Gauge _certificateRenewal;
    private readonly Gauge _challengeStatus;
    private readonly Gauge _issuerReady;
    private readonly Gauge _clusterIssuerReady;
    private readonly Counter _acmeRequests;
    private readonly Summary _acmeRequestDuration;
    private readonly Counter _syncCalls;
    private readonly Counter _syncErrors;
    private readonly Counter _clockCounter;
    private readonly Gauge _clockGauge;
    private readonly Gauge _budgetRemaining;
    private readonly Gauge _budgetReopens;
    private readonly Gauge _renewalsDue;
    private readonly Counter _grainCalls;

    public CertManagerMetrics(WatchedStatuses statuses, ControllerSyncs syncs, IRateLimitBudgetSnapshots budgets, TimeProvider clock,
        ILogger<CertManagerMetrics> logger)
    {
        _logger = logger;
        _statuses = statuses;
        _syncs = syncs;
        _budgets = budgets;
        _clock = clock;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = Prometheus.Metrics.WithCustomRegistry(Registry);

        _certificateReady = metrics.CreateGauge("certmanager_certificate_ready_status", "The ready status of the certificate.",
            ["name", "namespace", "condition", "issuer_name", "issuer_kind", "issuer_group", "cluster"]);
        _certificateExpiration = metrics.CreateGauge("certmanager_certificate_expiration_timestamp_seconds",
            "The timestamp after which the certificate expires, expressed in Unix Epoch Time.", CertificateLabels);
        _certificateNotAfter = metrics.CreateGauge("certmanager_certificate_not_after_timestamp_seconds",
            "The timestamp after which the certificate is invalid, expressed as a Unix Epoch Time.", CertificateLabels);
        _certificateNotBefore = metrics.CreateGauge("certmanager_certificate_not_before_timestamp_seconds",
            "The timestamp before which the certificate is invalid, expressed as a Unix Epoch Time.", CertificateLabels);
        _certificateRenewal = metrics.CreateGauge("certmanager_certificate_renewal_timestamp_seconds",
            "The timestamp after which the certificate should be renewed, expressed in Unix Epoch Time.", CertificateLabels);
        _challengeStatus = metrics.CreateGauge("certmanager_certificate_challenge_status", "The status of certificate challenges",
            ["status", "domain", "reason", "processing", "name", "namespace", "type", "cluster"]);
        _issuerReady = metrics.CreateGauge("certmanager_issuer_ready_status", "The ready status of the Issuer.", ["name", "namespace", "condition", "cluster"]);
        _clusterIssuerReady = metrics.CreateGauge("certmanager_clusterissuer_ready_status", "The ready status of the ClusterIssuer.", ["name", "condition", "cluster"]);
        _acmeRequests = metrics.CreateCounter("certmanager_http_acme_client_request_count",
            "The number of requests made by the ACME client.", AcmeRequestLabels);
        _acmeRequestDuration = metrics.CreateSummary("certmanager_http_acme_client_request_duration_seconds",
            "The HTTP request latencies in seconds for the ACME client.", AcmeRequestLabels, new SummaryConfiguration
            {
                Objectives = [new QuantileEpsilonPair(0.5, 0.05), new QuantileEpsilonPair(0.9, 0.01), new QuantileEpsilonPair(0.99, 0.001)],
            });
        _syncCalls = metrics.CreateCounter("certmanager_controller_sync_call_count", "The number of sync() calls made by a controller.", ["controller", "cluster"]);
        _syncErrors = metrics.CreateCounter("certmanager_controller_sync_error_count",
            "The number of errors encountered during controller sync().", ["controller", "cluster"]);
        _clockCounter = metrics.CreateCounter("certmanager_clock_time_seconds",
            "DEPRECATED: use clock_time_seconds_gauge instead. The clock time given in seconds (from 1970/01/01 UTC).");
        _clockGauge = metrics.CreateGauge("certmanager_clock_time_seconds_gauge", "The clock time given in seconds (from 1970/01/01 UTC).");
        _budgetRemaining = metrics.CreateGauge("certfleet_acme_rate_limit_remaining",
            "Requests left in an ACME rate-limit budget before the CA would refuse.", ["server", "limit", "key"]);
        _budgetReopens = metrics.CreateGauge("certfleet_acme_rate_limit_reopen_timestamp_seconds",
            "When an exhausted ACME rate-limit budget gets its next request back, expressed in Unix Epoch Time.", ["server", "limit", "key"]);

        _renewalsDue = metrics.CreateGauge("certfleet_certificate_renewals_due",
            "Certificates whose status.renewalTime has passed: their renewal reminder is due or overdue.");
        _grainCalls = metrics.CreateCounter("certfleet_grain_calls_total",
            "Calls grains made to other grains on this silo, by the called interface and method.", ["interface", "method"]);

        DotNetStats.Register(Registry);
        // A few of Orleans' own instruments, as microsoft_orleans_orleans_*: activations per grain type, reminders
        // (active on this silo, and how late they tick), storage latency.
        _orleansMeter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = Registry,
            MetricFactory = metrics,
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == "Microsoft.Orleans"
                && OrleansInstruments.Any(prefix => instrument.Name.StartsWith(prefix, StringComparison.Ordinal)),
        });
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    public CollectorRegistry Registry { get; }

    public void Completed(AcmeExchange exchange)
    {
        var labels = new[] { exchange.Scheme, exchange.Host, exchange.Action, exchange.Method, exchange.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        _acmeRequests.WithLabels(labels).Inc();
        _acmeRequestDuration.WithLabels(labels).Observe(exchange.Duration.TotalSeconds);
    }

    /// <summary>Counts calls grains make to <paramref name="method"/> of other grains (see <see cref="Metrics.GrainCallCounter"/>).</summary>
    public Action GrainCallCounter(string grainInterface, string method)
    {
        var series = _grainCalls.WithLabels(grainInterface, method);
        return () => series.Inc();
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        var budgets = await ReadBudgetsAsync(ct);
        lock (_refreshing)
        {
            var now = _clock.GetUtcNow().ToUnixTimeSeconds();
            _clockCounter.IncTo(now);
            _clockGauge.Set(now);
            RefreshCertificates(now);
            RefreshIssuers();
            RefreshChallenges();
            foreach (var ((cluster, controller), (calls, errors)) in _syncs.Totals)
            {
                _syncCalls.WithLabels(controller, cluster).IncTo(calls);
                _syncErrors.WithLabels(controller, cluster).IncTo(errors);
            }
            if (budgets is not null)
            {
                Replace(_budgetRemaining, budgets.Select(b => (new[] { b.Server, b.Limit, b.Key }, b.Remaining)));
                Replace(_budgetReopens, budgets.Where(b => b.ReopensAt is not null)
                    .Select(b => (new[] { b.Server, b.Limit, b.Key }, (double)b.ReopensAt!.Value.ToUnixTimeSeconds())));
            }
        }
    }

    /// <summary>The budgets, or null (the last ones stay exported) when they cannot be read in time.</summary>
    private async Task<IReadOnlyList<RateLimitBudgetSnapshot>?> ReadBudgetsAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(BudgetsTimeout);
        try
        {
            return await _budgets.GetAsync(timeout.Token);
        }
        catch (Exception exception) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning("Rate-limit budgets not read for /metrics: {Error}; the last ones stay exported",
                exception is OperationCanceledException ? $"no answer within {BudgetsTimeout.TotalSeconds:0} s" : exception.Message);
            return null;
        }
    }

    private void RefreshCertificates(long now)
    {
        var certificates = _statuses.Certificates.ToList();
        _renewalsDue.Set(certificates.Count(c => c.RenewalTime?.ToUnixTimeSeconds() <= now));
        string[] Labels(CertificateReading c) => [c.Key.Name, c.Key.Namespace, c.IssuerName, c.IssuerKind, c.IssuerGroup, c.Key.Cluster];
        // Not yet issued: 0, as cert-manager reports it.
        static double Seconds(DateTimeOffset? time) => time?.ToUnixTimeSeconds() ?? 0;

        Replace(_certificateReady, certificates.SelectMany(c => ReadyConditions.Select(condition =>
            (new[] { c.Key.Name, c.Key.Namespace, condition, c.IssuerName, c.IssuerKind, c.IssuerGroup, c.Key.Cluster }, c.Ready == condition ? 1.0 : 0.0))));
        var notAfter = certificates.Select(c => (Labels(c), Seconds(c.NotAfter))).ToList();
        Replace(_certificateExpiration, notAfter);
        Replace(_certificateNotAfter, notAfter);
        Replace(_certificateNotBefore, certificates.Select(c => (Labels(c), Seconds(c.NotBefore))));
        Replace(_certificateRenewal, certificates.Select(c => (Labels(c), Seconds(c.RenewalTime))));
    }

    private void RefreshIssuers()
    {
        var issuers = _statuses.Issuers.ToList();
        Replace(_issuerReady, issuers.Where(i => !i.Key.IsClusterScoped).SelectMany(i => ReadyConditions.Select(condition =>
            (new[] { i.Key.Name, i.Key.Namespace, condition, i.Key.Cluster }, i.Ready == condition ? 1.0 : 0.0))));
        Replace(_clusterIssuerReady, issuers.Where(i => i.Key.IsClusterScoped).SelectMany(i => ReadyConditions.Select(condition =>
            (new[] { i.Key.Name, condition, i.Key.Cluster }, i.Ready == condition ? 1.0 : 0.0))));
    }

    private void RefreshChallenges() =>
        Replace(_challengeStatus, _statuses.Challenges.ToList().SelectMany(c => ChallengeStates.Select(state =>
            (new[] { state, c.DnsName, BoundedReason(c.Reason), c.Processing ? "true" : "false", c.Key.Name, c.Key.Namespace, c.Type, c.Key.Cluster },
                c.State == state ? 1.0 : 0.0))));

    /// <summary>Sets exactly <paramref name="series"/>: label sets not among them (deleted objects) are removed.</summary>
    private static void Replace(Gauge gauge, IEnumerable<(string[] Labels, double Value)> series)
    {
        var wanted = new Dictionary<string, (string[] Labels, double Value)>(StringComparer.Ordinal);
        foreach (var (labels, value) in series)
            wanted[string.Join('\0', labels)] = (labels, value);
        foreach (var labels in gauge.GetAllLabelValues().ToList())
            if (!wanted.ContainsKey(string.Join('\0', labels)))
                gauge.RemoveLabelled(labels);
        foreach (var (labels, value) in wanted.Values)
            gauge.WithLabels(labels).Set(value);
    }

    /// <summary>Control characters as spaces, at most <see cref="MaxReasonLength"/> UTF-8 bytes.</summary>
    private static string BoundedReason(string reason)
    {
        var bounded = new System.Text.StringBuilder();
        var bytes = 0;
        foreach (var rune in reason.EnumerateRunes())
        {
            var r = System.Text.Rune.IsControl(rune) ? new System.Text.Rune(' ') : rune;
            if (bytes + r.Utf8SequenceLength > MaxReasonLength)
                break;
            bytes += r.Utf8SequenceLength;
            bounded.Append(r.ToString());
        }
        return bounded.ToString();
    }

    public void Dispose() => _orleansMeter.Dispose();
}
