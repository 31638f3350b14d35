namespace CertFleet.Providers.Pki;

/// <summary>The object identifiers this namespace reads and writes.</summary>
internal static class Oids
{
    public const string Rsa = "1.2.840.113549.1.1.1";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string Ed25519 = "1.3.101.112";

    public const string CurveP256 = "1.2.840.10045.3.1.7";
    public const string CurveP384 = "1.3.132.0.34";
    public const string CurveP521 = "1.3.132.0.35";

    public const string SubjectKeyIdentifier = "2.5.29.14";
    public const string KeyUsage = "2.5.29.15";
    public const string SubjectAltName = "2.5.29.17";
    public const string BasicConstraints = "2.5.29.19";
    public const string NameConstraints = "2.5.29.30";
    public const string ExtendedKeyUsage = "2.5.29.37";
    public const string CrlDistributionPoints = "2.5.29.31";

    /// <summary>PKCS#9 extensionRequest: the CSR attribute that carries requested extensions.</summary>
    public const string ExtensionRequest = "1.2.840.113549.1.9.14";
}
