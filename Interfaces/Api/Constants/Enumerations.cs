namespace CertFleet.Interfaces.Api;

// Allowed values of string enum fields; the CRD schema's enums are built from these.

public static class PrivateKeyAlgorithms
{
    public const string Rsa = "RSA";
    public const string Ecdsa = "ECDSA";
    public const string Ed25519 = "Ed25519";
}

public static class PrivateKeyEncodings
{
    public const string Pkcs1 = "PKCS1";
    public const string Pkcs8 = "PKCS8";
}

public static class PrivateKeyRotationPolicies
{
    public const string Never = "Never";
    public const string Always = "Always";
}

public static class SignatureAlgorithms
{
    public const string Sha256WithRsa = "SHA256WithRSA";
    public const string Sha384WithRsa = "SHA384WithRSA";
    public const string Sha512WithRsa = "SHA512WithRSA";
    public const string EcdsaWithSha256 = "ECDSAWithSHA256";
    public const string EcdsaWithSha384 = "ECDSAWithSHA384";
    public const string EcdsaWithSha512 = "ECDSAWithSHA512";
    public const string PureEd25519 = "PureEd25519";
}

public static class AdditionalOutputFormats
{
    public const string Der = "DER";
    public const string CombinedPem = "CombinedPEM";
}

public static class Pkcs12Profiles
{
    public const string LegacyRc2 = "LegacyRC2";
    public const string LegacyDes = "LegacyDES";
    public const string Modern2023 = "Modern2023";
    public const string Modern2026 = "Modern2026";
}

public static class RenewalPolicies
{
    public const string RenewBefore = "RenewBefore";
    public const string Disabled = "Disabled";
}

/// <summary>Values of CertFleet's Certificate.spec.dnsPolicy extension.</summary>
public static class DnsPolicies
{
    public const string Http01 = "http01";
    public const string Dns01 = "dns01";
}

/// <summary>Key usages and extended key usages as cert-manager spells them.</summary>
public static class KeyUsages
{
    public const string Signing = "signing";
    public const string DigitalSignature = "digital signature";
    public const string ContentCommitment = "content commitment";
    public const string KeyEncipherment = "key encipherment";
    public const string KeyAgreement = "key agreement";
    public const string DataEncipherment = "data encipherment";
    public const string CertSign = "cert sign";
    public const string CrlSign = "crl sign";
    public const string EncipherOnly = "encipher only";
    public const string DecipherOnly = "decipher only";
    public const string Any = "any";
    public const string ServerAuth = "server auth";
    public const string ClientAuth = "client auth";
    public const string CodeSigning = "code signing";
    public const string EmailProtection = "email protection";
    public const string SMime = "s/mime";
    public const string IpsecEndSystem = "ipsec end system";
    public const string IpsecTunnel = "ipsec tunnel";
    public const string IpsecUser = "ipsec user";
    public const string Timestamping = "timestamping";
    public const string OcspSigning = "ocsp signing";
    public const string MicrosoftSgc = "microsoft sgc";
    public const string NetscapeSgc = "netscape sgc";

    /// <summary>Every usage cert-manager accepts in spec.usages (and the cert-manager.io/usages annotation).</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Signing, DigitalSignature, ContentCommitment, KeyEncipherment, KeyAgreement, DataEncipherment, CertSign, CrlSign,
        EncipherOnly, DecipherOnly, Any, ServerAuth, ClientAuth, CodeSigning, EmailProtection, SMime, IpsecEndSystem,
        IpsecTunnel, IpsecUser, Timestamping, OcspSigning, MicrosoftSgc, NetscapeSgc,
    };
}

public static class AcmeCnameStrategies
{
    public const string None = "None";
    public const string Follow = "Follow";
}

public static class AcmeRenewalInformationSources
{
    public const string Ari = "ARI";
    public const string None = "None";
}

public static class Rfc2136Protocols
{
    public const string Udp = "UDP";
    public const string Tcp = "TCP";
}

public static class AzureEnvironments
{
    public const string PublicCloud = "AzurePublicCloud";
    public const string ChinaCloud = "AzureChinaCloud";
    public const string GermanCloud = "AzureGermanCloud";
    public const string UsGovernmentCloud = "AzureUSGovernmentCloud";
}

public static class AzureZoneTypes
{
    public const string PublicZone = "AzurePublicZone";
    public const string PrivateZone = "AzurePrivateZone";
}
