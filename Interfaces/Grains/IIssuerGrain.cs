using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One Issuer (key <c>cluster/namespace/name</c>) or ClusterIssuer (key <c>cluster/-/name</c>): validates its
/// configuration, reports readiness, and signs for the CertificateRequests that reference it.
/// </summary>
[Alias("certfleet.IIssuerGrain")]
public interface IIssuerGrain : IGrainWithStringKey
{
    [Alias("Sync")]
    Task SyncAsync(IssuerObject issuer);

    [Alias("Deleted")]
    Task DeletedAsync();

    /// <summary>Readiness now; when not ready, <paramref name="waiter"/> is woken once that changes.</summary>
    [Alias("GetReadiness")]
    Task<IssuerReadiness> GetReadinessAsync(ObjectKey? waiter);

    /// <summary>
    /// Readiness and, for a Ready ACME issuer, its context: all a pass needs, in one call. When not ready,
    /// <paramref name="waiter"/> is woken once that changes.
    /// </summary>
    [Alias("GetSnapshot")]
    Task<IssuerSnapshot> GetSnapshotAsync(ObjectKey? waiter);

    [Alias("Sign")]
    Task<RequestOutcome> SignAsync(SignRequest request);

    /// <summary>For a Ready ACME issuer: what its Orders and Challenges need; null otherwise.</summary>
    [Alias("GetAcmeContext")]
    Task<AcmeIssuerContext?> GetAcmeContextAsync();

    /// <summary>A Secret this issuer reads (its CA key pair) changed.</summary>
    [Alias("SecretChanged")]
    Task SecretChangedAsync();

    [Alias("Reconcile")]
    Task ReconcileAsync();
}
