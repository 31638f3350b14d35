using CertFleet.Interfaces.Ports;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One Secret name (key <c>cluster/namespace/secretName</c>): which Certificate owns it, who waits for it, and which
/// issuers read it (and which FleetCertificate placed a copy there). Two Certificates naming one Secret get one owner and one waiter, never an issuance loop.
/// </summary>
[Alias("certfleet.ISecretClaimGrain")]
public interface ISecretClaimGrain : IClusterObjectGrain
{
    /// <summary>Claims the Secret for <paramref name="certificateName"/>; returns the owner (the caller when it won).</summary>
    [Alias("Claim")]
    Task<string> ClaimAsync(string certificateName);

    /// <summary>Gives the name up; the first waiting Certificate becomes the owner and is woken.</summary>
    [Alias("Release")]
    Task ReleaseAsync(string certificateName);

    /// <summary>An issuer reads this Secret (a CA key pair) and wants to hear when it changes.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(ObjectKey issuer);

    /// <summary>The Secret is a copy the FleetCertificate <paramref name="fleetCertificate"/> wrote; it hears of changes and deletion.</summary>
    [Alias("SubscribeFleetCertificate")]
    Task SubscribeFleetCertificateAsync(string fleetCertificate);

    /// <summary>The copy is no longer the FleetCertificate's to keep.</summary>
    [Alias("UnsubscribeFleetCertificate")]
    Task UnsubscribeFleetCertificateAsync(string fleetCertificate);

    /// <summary>From the bridge: the Secret changed, or was deleted when <paramref name="secret"/> is null.</summary>
    [Alias("Changed")]
    Task ChangedAsync(SecretMetadata? secret);
}
