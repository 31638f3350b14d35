using CertFleet.Interfaces.Api;
using Orleans.Concurrency;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One Issuer (key <c>cluster/namespace/name</c>) or ClusterIssuer (key <c>cluster/-/name</c>): validates its
/// configuration and reports readiness. It signs nothing itself: CertificateRequests sign through
/// <see cref="IIssuerSignerGrain"/>, so the one activation every Certificate of a ClusterIssuer reaches only answers
/// snapshots, which interleave.
/// </summary>
[Alias("certfleet.IIssuerGrain")]
public interface IIssuerGrain : IClusterObjectGrain
{
    [Alias("Sync")]
    Task SyncAsync(IssuerObject issuer);

    [Alias("Deleted")]
    Task DeletedAsync();

    /// <summary>
    /// Readiness and, for a Ready ACME issuer, its context: all a pass needs, in one call. When not ready,
    /// <paramref name="waiter"/> is woken once that changes.
    /// </summary>
    /// <remarks>
    /// Interleaves with every other call: a Ready issuer answers from memory, so thousands of Certificates of one
    /// ClusterIssuer never queue behind each other or behind a slow check.
    /// </remarks>
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<IssuerSnapshot> GetSnapshotAsync(ObjectKey? waiter);

    /// <summary>A Secret this issuer reads (its CA key pair) changed.</summary>
    [Alias("SecretChanged")]
    Task SecretChangedAsync();

    [Alias("Reconcile")]
    Task ReconcileAsync();
}
