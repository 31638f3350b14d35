using System.Collections.Concurrent;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Metrics;

/// <summary>
/// What cert-manager's metrics read from its informer caches: the status of every watched Certificate, Issuer,
/// ClusterIssuer and Challenge, as the API server has it. Fed by the reflectors of the clusters this silo leads and
/// emptied when it stops leading one, so only the leader exports object series, every silo would agree on them, and
/// a deleted object's series go with it. Holds a few fields per object, never the object.
/// </summary>
public sealed class WatchedStatuses
{
    private static readonly string CertificateResource = CustomResourceSource.NameOf(ResourceKind.Certificate);
    private static readonly string IssuerResource = CustomResourceSource.NameOf(ResourceKind.Issuer);
    private static readonly string ClusterIssuerResource = CustomResourceSource.NameOf(ResourceKind.ClusterIssuer);
    private static readonly string ChallengeResource = CustomResourceSource.NameOf(ResourceKind.Challenge);
    private static readonly string FleetCertificateResource = CustomResourceSource.NameOf(ResourceKind.FleetCertificate);

    private readonly ConcurrentDictionary<(string Resource, ObjectKey Key), object> _readings = new();

    public IEnumerable<CertificateReading> Certificates => _readings.Values.OfType<CertificateReading>();

    /// <summary>Issuers and ClusterIssuers; a ClusterIssuer's key has no namespace.</summary>
    public IEnumerable<IssuerReading> Issuers => _readings.Values.OfType<IssuerReading>();

    public IEnumerable<ChallengeReading> Challenges => _readings.Values.OfType<ChallengeReading>();

    /// <summary>FleetCertificates (home cluster only) with their copies' status, for the fleet view.</summary>
    public IEnumerable<FleetCertificateReading> FleetCertificates => _readings.Values.OfType<FleetCertificateReading>();

    /// <summary>Takes in one reflector change; kinds without metrics are ignored.</summary>
    public void Observe(ObjectChange change)
    {
        var id = (change.Resource, change.Key);
        if (change.IsDeletion)
        {
            _readings.TryRemove(id, out _);
            return;
        }
        object? reading = change.Object switch
        {
            Certificate certificate when change.Resource == CertificateResource => CertificateReading.Of(change.Key, certificate),
            IssuerObject issuer when change.Resource == IssuerResource || change.Resource == ClusterIssuerResource =>
                new IssuerReading(change.Key, ReadyStatus(issuer.Status?.Conditions)),
            Challenge challenge when change.Resource == ChallengeResource => ChallengeReading.Of(change.Key, challenge),
            FleetCertificate fleet when change.Resource == FleetCertificateResource => new FleetCertificateReading(change.Key,
                ReadyStatus(fleet.Status?.Conditions), fleet.Status?.Revision, fleet.Status?.CopiesCurrent, fleet.Status?.Copies ?? []),
            _ => null,
        };
        if (reading is not null)
            _readings[id] = reading;
    }

    /// <summary>Drops everything of <paramref name="cluster"/>: this silo no longer watches it.</summary>
    public void Forget(string cluster)
    {
        foreach (var id in _readings.Keys.Where(id => id.Key.Cluster == cluster))
            _readings.TryRemove(id, out _);
    }

    /// <summary>The Ready condition's status, Unknown when there is none (as cert-manager reports it).</summary>
    public static string ReadyStatus(IEnumerable<Condition>? conditions) =>
        conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready)?.Status ?? ConditionStatus.Unknown;
}

/// <summary>The fields of a Certificate that cert-manager's certificate metrics carry; issuerRef as written.</summary>
public sealed record CertificateReading(
    ObjectKey Key,
    string IssuerName,
    string IssuerKind,
    string IssuerGroup,
    string Ready,
    DateTimeOffset? NotAfter,
    DateTimeOffset? NotBefore,
    DateTimeOffset? RenewalTime)
{
    /// <summary>status.lastFailureTime: the last issuance attempt failed (cert-manager clears it on success). The fleet view counts these.</summary>
    public DateTimeOffset? LastFailureTime { get; init; }

    public static CertificateReading Of(ObjectKey key, Certificate certificate) => new(
        key,
        certificate.Spec.IssuerRef.Name,
        certificate.Spec.IssuerRef.Kind ?? "",
        certificate.Spec.IssuerRef.Group ?? "",
        WatchedStatuses.ReadyStatus(certificate.Status?.Conditions),
        certificate.Status?.NotAfter,
        certificate.Status?.NotBefore,
        certificate.Status?.RenewalTime)
    {
        LastFailureTime = certificate.Status?.LastFailureTime,
    };
}

/// <summary>An Issuer's or ClusterIssuer's Ready status: True, False or Unknown.</summary>
public sealed record IssuerReading(ObjectKey Key, string Ready);

/// <summary>The fields of a Challenge that cert-manager's challenge metric carries; State is "" before the first.</summary>
public sealed record ChallengeReading(ObjectKey Key, string DnsName, string Type, string State, string Reason, bool Processing)
{
    public static ChallengeReading Of(ObjectKey key, Challenge challenge) => new(
        key,
        challenge.Spec.DnsName,
        challenge.Spec.Type,
        challenge.Status?.State ?? "",
        challenge.Status?.Reason ?? "",
        challenge.Status?.Processing ?? false);
}

/// <summary>A FleetCertificate's Ready status and its copies as its status lists them (where, revision, last write, error).</summary>
public sealed record FleetCertificateReading(ObjectKey Key, string Ready, int? Revision, string? CopiesCurrent, IReadOnlyList<FleetCertificateCopy> Copies);
