namespace CertFleet.Interfaces.Fleet;

/// <summary>
/// The answer of the fleet API's <c>/fleet/api/status</c> (and of <c>kubectl certfleet fleet status -o json</c>): every
/// member with its latest report, and the ACME rate-limit budgets, which every member shares.
/// </summary>
public sealed record FleetStatus(DateTimeOffset GeneratedAt, IReadOnlyList<FleetMemberStatus> Members, IReadOnlyList<FleetBudget> Budgets);

/// <summary>
/// One member: how it joined (<see cref="Source"/>: home, secret or clusterprofile) and its labels, then what its watching
/// silo last reported. <see cref="Reachable"/> is null until a silo reports; <see cref="Stale"/> says the report is
/// older than <see cref="FleetMemberStatus.StaleAfter"/> (its watching silo stopped reporting).
/// </summary>
public sealed record FleetMemberStatus(
    string Name,
    string Source,
    IReadOnlyDictionary<string, string> Labels,
    bool? Reachable,
    DateTimeOffset? UnreachableSince,
    string? LastError,
    string? WatchingSilo,
    DateTimeOffset? ReportedAt,
    bool Stale,
    FleetCertificateCounts? Certificates)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);
}

/// <summary>How a member joined the fleet, as the silos' cluster list knows it.</summary>
public sealed record FleetMemberRegistration(string Name, string Source, IReadOnlyDictionary<string, string> Labels);

/// <summary>One rate-limit budget of one ACME server (per account, registered domain or identifier set): what is left of it.</summary>
public sealed record FleetBudget(string Server, string Limit, string Key, int Capacity, TimeSpan Period, int Remaining, DateTimeOffset? ReopensAt);

/// <summary>
/// The answer of <c>/fleet/api/certificates[?expiring=30d]</c>: the Certificates of every member by expiry, soonest
/// first. <see cref="Incomplete"/> names the members whose list may miss some: not reported yet, or more Certificates
/// in the window than a report carries.
/// </summary>
public sealed record FleetCertificates(
    DateTimeOffset GeneratedAt,
    TimeSpan? ExpiringWithin,
    IReadOnlyList<FleetCertificateEntry> Certificates,
    IReadOnlyList<string> Incomplete);

/// <summary>The answer of <c>/fleet/api/fleetcertificates</c>: every FleetCertificate (from the home cluster) with its copies.</summary>
public sealed record FleetCertificateCopiesView(DateTimeOffset GeneratedAt, IReadOnlyList<FleetCertificateCopies> FleetCertificates);

/// <summary>The answer of <c>/fleet/api/duplicates</c>: identifier sets that more than one Certificate asks one ACME server for.</summary>
public sealed record FleetDuplicates(DateTimeOffset GeneratedAt, IReadOnlyList<FleetDuplicateSet> Sets);

/// <summary>One identifier set (key <c>acme-host/identifier-set</c>) and every Certificate that holds it, in any member.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetDuplicateSet")]
public sealed record FleetDuplicateSet([property: Id(0)] string Key, [property: Id(1)] IReadOnlyList<ObjectKey> Holders);
