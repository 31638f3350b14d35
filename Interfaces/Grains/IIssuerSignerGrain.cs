namespace CertFleet.Interfaces.Grains;

/// <summary>
/// Signs for one CA or SelfSigned issuer (key: the issuer's key, <c>cluster/namespace/name</c> or
/// <c>cluster/-/name</c>). A stateless worker: signing is CPU, so it runs in as many activations as the silos have
/// cores instead of in the one issuer activation every Certificate reaches.
/// </summary>
[Alias("certfleet.IIssuerSignerGrain")]
public interface IIssuerSignerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Signs <paramref name="request"/> as the issuer described by <paramref name="issuer"/> (which must be Ready).
    /// Failures come back as a Failed outcome with the reason fit for the CertificateRequest's status.
    /// </summary>
    [Alias("Sign")]
    Task<RequestOutcome> SignAsync(SignRequest request, IssuerSnapshot issuer);
}
