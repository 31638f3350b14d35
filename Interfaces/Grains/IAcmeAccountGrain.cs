using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// The ACME account of one issuer (same key as its issuer grain): the account key in its Secret (generated when absent
/// unless disableAccountKeyGeneration), registration with the CA, external account binding.
/// </summary>
[Alias("certfleet.IAcmeAccountGrain")]
public interface IAcmeAccountGrain : IClusterObjectGrain
{
    /// <summary>
    /// Registers (or finds) the account for this spec; the key Secret lives in the issuer's Secret namespace (its own, or
    /// the cluster-resource namespace for a ClusterIssuer), which the grain takes from its key, not from the caller.
    /// </summary>
    [Alias("Register")]
    Task<AcmeRegistration> RegisterAsync(AcmeIssuer spec);
}
