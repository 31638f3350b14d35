namespace CertFleet.Providers.Pki;

/// <summary>cert-manager's spellings of <c>spec.privateKey.encoding</c>.</summary>
public static class KeyEncodings
{
    public const string Pkcs1 = "PKCS1";
    public const string Pkcs8 = "PKCS8";
}
