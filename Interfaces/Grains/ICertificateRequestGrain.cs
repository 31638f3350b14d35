using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One CertificateRequest (key <c>cluster/namespace/name</c>): approval, signing through its issuer, and the outcome,
/// written back to the CertificateRequest's status.
/// </summary>
[Alias("certfleet.ICertificateRequestGrain")]
public interface ICertificateRequestGrain : IClusterObjectGrain
{
    /// <summary>
    /// Submitted by the Certificate that created it. Returns the outcome when the issuer answers at once (CA,
    /// SelfSigned); otherwise Pending, and the outcome reaches <paramref name="certificate"/> later. The Certificate
    /// passes the <paramref name="issuer"/> snapshot its pass already holds, so the request does not ask again.
    /// </summary>
    [Alias("Submit")]
    Task<RequestOutcome> SubmitAsync(CertificateRequest request, ObjectKey? certificate, IssuerSnapshot? issuer);

    /// <summary>The object as the bridge saw it: CertificateRequests created by users, approvals or denials by others.</summary>
    [Alias("Observe")]
    Task ObserveAsync(CertificateRequest request);

    /// <summary>Its ACME Order reached a final state.</summary>
    [Alias("OrderFinished")]
    Task OrderFinishedAsync(RequestOutcome outcome);

    [Alias("Deleted")]
    Task DeletedAsync();
}
