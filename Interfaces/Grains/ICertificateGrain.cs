using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One Certificate (key <c>cluster/namespace/name</c>): decides when to issue, drives issuance and writes the result.
/// Calls return once the input is recorded; the work itself runs from a timer or reminder, so a slow API server never
/// times a caller out.
/// </summary>
[Alias("certfleet.ICertificateGrain")]
public interface ICertificateGrain : IClusterObjectGrain
{
    /// <summary>The Certificate object as last seen by the bridge (spec, metadata, and the status it carries).</summary>
    [Alias("Sync")]
    Task SyncAsync(Certificate certificate);

    /// <summary>The Certificate object is gone: stop, release the Secret name, drop reminders.</summary>
    [Alias("Deleted")]
    Task DeletedAsync(string uid);

    /// <summary>The target Secret changed (or was deleted when <paramref name="secret"/> is null).</summary>
    /// <remarks>
    /// Interleaves (it only schedules a pass): the Secret's claim grain passes a deletion on while this Certificate,
    /// deleted too, may be calling it to release the name, which would otherwise deadlock both until the call timeout.
    /// </remarks>
    [Alias("SecretChanged"), Orleans.Concurrency.AlwaysInterleave]
    Task SecretChangedAsync(SecretMetadata? secret);

    /// <summary>A CertificateRequest this Certificate created reached an outcome later than its submission.</summary>
    /// <remarks>
    /// One-way: the request tells while this Certificate may be calling it (an order that ends at once, say), which
    /// would otherwise deadlock both until the call timeout. A lost notice is no loss: the request keeps its outcome
    /// and hands it out again on the next submit.
    /// </remarks>
    [Alias("RequestChanged"), Orleans.Concurrency.OneWay]
    Task RequestChangedAsync(string requestName, RequestOutcome outcome);

    /// <summary>Something this Certificate waits on changed: its issuer, or the owner of its Secret name.</summary>
    /// <remarks>
    /// Interleaves (it only schedules a pass): an issuer wakes its waiters while one of them may be calling it for its
    /// readiness, which would otherwise deadlock both until the call timeout.
    /// </remarks>
    [Alias("Wake"), Orleans.Concurrency.AlwaysInterleave]
    Task WakeAsync();

    /// <summary>The CA's renewal suggestion (ARI) for the certificate in the Secret changed, e.g. its window moved earlier.</summary>
    /// <remarks>One-way: the renewal-information grain may call while this Certificate is calling it.</remarks>
    [Alias("RenewalInfoChanged"), Orleans.Concurrency.OneWay]
    Task RenewalInfoChangedAsync(RenewalSuggestion suggestion);

    /// <summary>Runs one reconcile pass now and returns when it is done (tests and reminders use it).</summary>
    [Alias("Reconcile")]
    Task ReconcileAsync();

    [Alias("GetState")]
    Task<CertificateState> GetStateAsync();
}
