using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Fleet;

/// <summary>
/// What the fleet view shows of one member cluster (key: the cluster's name): the silo that watches it reports every
/// few seconds from what its watches already hold. Held in memory only: a new activation is filled by the next report.
/// </summary>
[Alias("certfleet.IFleetMemberGrain")]
public interface IFleetMemberGrain : IGrainWithStringKey
{
    /// <summary>Takes the watching silo's latest reading; keeps the first "unreachable since" of an unbroken outage.</summary>
    [Alias("Report")]
    Task ReportAsync(FleetMemberReport report);

    /// <summary>The latest report, or null when no silo has reported since this activation.</summary>
    [Alias("Get")]
    Task<FleetMemberReport?> GetAsync();
}

/// <summary>
/// One member's reading: whether its API server answers, the silo that watches it, its Certificates counted, and the
/// first <see cref="FleetMemberReport.Certificates"/> by expiry (bounded, so 10,000 Certificates stay a small message);
/// the home cluster's report also carries its FleetCertificates' copies (bounded too).
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetMemberReport")]
public sealed record FleetMemberReport(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string WatchingSilo,
    [property: Id(2)] DateTimeOffset ReportedAt,
    [property: Id(3)] bool Reachable,
    [property: Id(4)] DateTimeOffset? UnreachableSince,
    [property: Id(5)] string? LastError,
    [property: Id(6)] FleetCertificateCounts Counts,
    [property: Id(7)] IReadOnlyList<FleetCertificateEntry> Certificates,
    [property: Id(8)] int CertificatesLeftOut,
    [property: Id(9)] IReadOnlyList<FleetCertificateCopies> FleetCertificates);

/// <summary>One FleetCertificate's copies as its status lists them; <see cref="CopiesLeftOut"/> counts those beyond the report's bound.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetCertificateCopies")]
public sealed record FleetCertificateCopies(
    [property: Id(0)] string Name,
    [property: Id(1)] string Ready,
    [property: Id(2)] int? Revision,
    [property: Id(3)] string? CopiesCurrent,
    [property: Id(4)] IReadOnlyList<FleetCertificateCopy> Copies,
    [property: Id(5)] int CopiesLeftOut);

/// <summary>A member's Certificates: all, Ready, not Ready, expiring within 14 days, and failing (a failed issuance attempt).</summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetCertificateCounts")]
public sealed record FleetCertificateCounts(
    [property: Id(0)] int Total,
    [property: Id(1)] int Ready,
    [property: Id(2)] int NotReady,
    [property: Id(3)] int ExpiringSoon,
    [property: Id(4)] int Failing)
{
    /// <summary>What "expiring" means in the counts (and in `fleet status`).</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(14);
}

/// <summary>One Certificate as the fleet view lists it: where it is, whether it is Ready, when it expires. No key material.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.FleetCertificateEntry")]
public sealed record FleetCertificateEntry(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] string Ready,
    [property: Id(4)] DateTimeOffset? NotAfter,
    [property: Id(5)] DateTimeOffset? RenewalTime,
    [property: Id(6)] bool Failing,
    [property: Id(7)] string Issuer);
