using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Kubernetes.Bridge.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// Every few seconds, tells each member's <see cref="IFleetMemberGrain"/> what this silo knows of it, for the members
/// it watches: whether its API server answers, and its Certificates as the watches hold them (no extra API reads). A
/// member this silo stopped watching because its API server stopped answering (the Lease could not be renewed) is
/// still reported while the outage lasts, so the view says since when, until another silo watches it.
/// </summary>
public sealed class FleetMemberReporting(
    KubernetesClusters clusters,
    ClusterBridgeService bridge,
    WatchedStatuses statuses,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<FleetMemberReporting> logger) : BackgroundService
{
    /// <summary>How often each watched member is reported; the view calls a report stale after a few of these.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    /// <summary>Certificates a report lists (soonest expiry first): 10,000 in a member stay one small message.</summary>
    public const int ListedCertificates = 500;

    /// <summary>FleetCertificates a home report lists (by name), and copies listed of each.</summary>
    public const int ListedFleetCertificates = 200, ListedCopies = 100;

    // The members this silo reports, with their last report while watched: an outage report keeps those counts, as
    // the watches' readings are dropped when the watching stops.
    private readonly Dictionary<string, FleetMemberReport> _reporting = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        do
        {
            try
            {
                await ReportOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogDebug(exception, "Reporting fleet members failed; trying again in {Period}", Period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task ReportOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var members = clusters.All;
        var byCluster = statuses.Certificates.GroupBy(reading => reading.Key.Cluster).ToDictionary(group => group.Key, group => group.ToList());
        var fleetCertificates = statuses.FleetCertificates.GroupBy(reading => reading.Key.Cluster).ToDictionary(group => group.Key, group => group.ToList());
        var reports = new List<FleetMemberReport>();
        foreach (var connection in members)
        {
            var reachability = connection.Reachability;
            if (bridge.IsLeading(connection.Name))
            {
                var report = Build(connection.Name, connection.Options.Identity, reachability, byCluster.GetValueOrDefault(connection.Name) ?? [],
                    fleetCertificates.GetValueOrDefault(connection.Name) ?? [], now);
                _reporting[connection.Name] = report;
                reports.Add(report);
            }
            else if (reachability.UnreachableSince is { } since && _reporting.TryGetValue(connection.Name, out var watched))
                reports.Add(watched with { ReportedAt = now, Reachable = false, UnreachableSince = since, LastError = reachability.LastError });
            else
                _reporting.Remove(connection.Name);
        }
        foreach (var gone in _reporting.Keys.Except(members.Select(connection => connection.Name)).ToList())
            _reporting.Remove(gone);
        // Grain calls carry no token: Orleans' response timeout bounds them.
        await Task.WhenAll(reports.Select(report => grains.GetGrain<IFleetMemberGrain>(report.Cluster).ReportAsync(report))).WaitAsync(ct);
    }

    /// <summary>
    /// One member's report from what its watches hold: its Certificates counted and the soonest to expire listed, and
    /// (the home cluster's) FleetCertificates with their copies.
    /// </summary>
    public static FleetMemberReport Build(string cluster, string silo, ApiReachability reachability,
        IReadOnlyCollection<CertificateReading> certificates, IReadOnlyCollection<FleetCertificateReading> fleetCertificates, DateTimeOffset now)
    {
        int ready = 0, expiring = 0, failing = 0;
        foreach (var certificate in certificates)
        {
            if (certificate.Ready == ConditionStatus.True)
                ready++;
            if (certificate.NotAfter is { } notAfter && notAfter - now <= FleetCertificateCounts.ExpiringWithin)
                expiring++;
            if (certificate.LastFailureTime is not null)
                failing++;
        }
        var listed = certificates
            .OrderBy(certificate => certificate.NotAfter ?? DateTimeOffset.MaxValue)
            .ThenBy(certificate => certificate.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(certificate => certificate.Key.Name, StringComparer.Ordinal)
            .Take(ListedCertificates)
            .Select(certificate => new FleetCertificateEntry(cluster, certificate.Key.Namespace, certificate.Key.Name, certificate.Ready,
                certificate.NotAfter, certificate.RenewalTime, certificate.LastFailureTime is not null,
                $"{(certificate.IssuerKind.Length == 0 ? "Issuer" : certificate.IssuerKind)}/{certificate.IssuerName}"))
            .ToList();
        var since = reachability.UnreachableSince;
        return new FleetMemberReport(cluster, silo, now, since is null, since, reachability.LastError,
            new FleetCertificateCounts(certificates.Count, ready, certificates.Count - ready, expiring, failing),
            listed, certificates.Count - listed.Count,
            [.. fleetCertificates.OrderBy(fleet => fleet.Key.Name, StringComparer.Ordinal).Take(ListedFleetCertificates)
                .Select(fleet => new FleetCertificateCopies(fleet.Key.Name, fleet.Ready, fleet.Revision, fleet.CopiesCurrent,
                    [.. fleet.Copies.Take(ListedCopies)], Math.Max(0, fleet.Copies.Count - ListedCopies)))]);
    }
}
