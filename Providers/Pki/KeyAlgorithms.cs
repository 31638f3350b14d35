namespace CertFleet.Providers.Pki;

/// <summary>cert-manager's spellings of <c>spec.privateKey.algorithm</c>.</summary>
public static class KeyAlgorithms
{
    public const string Rsa = "RSA";
    public const string Ecdsa = "ECDSA";
    public const string Ed25519 = "Ed25519";
}
