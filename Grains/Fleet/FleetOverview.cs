using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Fleet;

/// <summary>
/// Puts the fleet view together from the members' registrations (every silo knows them), their latest reports and
/// the rate-limit budgets: what the fleet API answers and the CLI and page show.
/// </summary>
public static class FleetOverview
{
    /// <summary>Every member, the home cluster first, then by name; a member without a report shows what is known of it.</summary>
    public static FleetStatus Status(IReadOnlyList<FleetMemberRegistration> members,
        IReadOnlyDictionary<string, FleetMemberReport> reports, IReadOnlyList<BudgetSnapshot> budgets, DateTimeOffset now) => new(
        now,
        [.. Ordered(members).Select(member => reports.TryGetValue(member.Name, out var report)
            ? new FleetMemberStatus(member.Name, member.Source, member.Labels, report.Reachable, report.UnreachableSince, report.LastError,
                report.WatchingSilo, report.ReportedAt, now - report.ReportedAt > FleetMemberStatus.StaleAfter, report.Counts)
            : new FleetMemberStatus(member.Name, member.Source, member.Labels, null, null, null, null, null, false, null))],
        [.. budgets.Select(budget => new FleetBudget(budget.Server, budget.Limit, budget.Key, budget.Capacity, budget.Period,
            budget.Remaining, budget.ReopensAt))]);

    /// <summary>
    /// The listed Certificates of every member, soonest expiry first; with <paramref name="expiringWithin"/> only those
    /// whose notAfter is that close. A member whose list may miss some is named in <see cref="FleetCertificates.Incomplete"/>.
    /// </summary>
    public static FleetCertificates Certificates(IReadOnlyList<FleetMemberRegistration> members,
        IReadOnlyDictionary<string, FleetMemberReport> reports, TimeSpan? expiringWithin, DateTimeOffset now)
    {
        var deadline = expiringWithin is { } window ? now + window : (DateTimeOffset?)null;
        var incomplete = new List<string>();
        var certificates = new List<FleetCertificateEntry>();
        foreach (var member in Ordered(members))
        {
            if (!reports.TryGetValue(member.Name, out var report))
            {
                incomplete.Add(member.Name);
                continue;
            }
            var listed = deadline is { } until
                ? report.Certificates.Where(certificate => certificate.NotAfter is { } notAfter && notAfter <= until).ToList()
                : report.Certificates;
            certificates.AddRange(listed);
            // The report lists the soonest first: some were left out of the window only if the whole list fell in it.
            if (report.CertificatesLeftOut > 0 && listed.Count == report.Certificates.Count)
                incomplete.Add(member.Name);
        }
        return new FleetCertificates(now, expiringWithin,
            [.. certificates.OrderBy(certificate => certificate.NotAfter ?? DateTimeOffset.MaxValue)
                .ThenBy(certificate => certificate.Cluster, StringComparer.Ordinal)
                .ThenBy(certificate => certificate.Namespace, StringComparer.Ordinal)
                .ThenBy(certificate => certificate.Name, StringComparer.Ordinal)],
            incomplete);
    }

    /// <summary>Every FleetCertificate with its copies, as the home cluster's watching silo reported them.</summary>
    public static FleetCertificateCopiesView Copies(IReadOnlyDictionary<string, FleetMemberReport> reports, DateTimeOffset now) =>
        new(now, [.. reports.Values.SelectMany(report => report.FleetCertificates).OrderBy(fleet => fleet.Name, StringComparer.Ordinal)]);

    private static IEnumerable<FleetMemberRegistration> Ordered(IEnumerable<FleetMemberRegistration> members) =>
        members.OrderBy(member => member.Source != "home").ThenBy(member => member.Name, StringComparer.Ordinal);
}
