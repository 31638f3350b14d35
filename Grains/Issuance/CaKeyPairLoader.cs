using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// Reads a CA issuer's key pair from its Secret, with cert-manager's messages when it cannot. Used by the issuer (to
/// decide readiness) and by its signers (to sign); the key pair stays in the caller's memory only.
/// </summary>
public static class CaKeyPairLoader
{
    /// <summary>The key pair and the Secret's resourceVersion, or the error for the Ready condition.</summary>
    public static async Task<CaKeyPairLoad> LoadAsync(IClusterReader reader, ObjectKey secretKey, DateTimeOffset now)
    {
        var secret = await reader.GetSecretAsync(secretKey);
        if (secret is null)
            return new CaKeyPairLoad(null, null, $"Error getting keypair for CA issuer: secrets \"{secretKey.Name}\" not found in namespace \"{secretKey.Namespace}\"")
            {
                SecretMissing = true,
            };
        try
        {
            var keyPair = CaKeyPair.FromPem(secret.GetString(SecretKeys.TlsCertificate) ?? "", secret.GetString(SecretKeys.TlsPrivateKey) ?? "",
                secret.GetString(SecretKeys.CaCertificate), now);
            return new CaKeyPairLoad(keyPair, secret.ResourceVersion, null);
        }
        catch (PkiException ex)
        {
            return new CaKeyPairLoad(null, secret.ResourceVersion, $"Error getting keypair for CA issuer: {ex.Message}");
        }
    }
}

/// <summary>What <see cref="CaKeyPairLoader.LoadAsync"/> found: a key pair, or why there is none.</summary>
public sealed record CaKeyPairLoad(CaKeyPair? KeyPair, string? SecretVersion, string? Error)
{
    /// <summary>There is no such Secret (rather than one without a usable key pair).</summary>
    public bool SecretMissing { get; init; }
}
