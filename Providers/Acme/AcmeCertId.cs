using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Acme;

/// <summary>
/// The ARI certificate identifier (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial), both
/// unpadded. The serial is the DER INTEGER's content bytes, big-endian with any leading 0x00 kept.
/// </summary>
public static class AcmeCertId
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    /// <summary>The CertID of a DER certificate; an <see cref="ArgumentException"/> when it has no AKI keyIdentifier.</summary>
    public static string From(byte[] certificateDer)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        using var certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        return From(certificate);
    }

    public static string From(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[AuthorityKeyIdentifierOid]
            ?? throw new ArgumentException("the certificate has no Authority Key Identifier, so ARI cannot name it", nameof(certificate));
        var aki = extension as X509AuthorityKeyIdentifierExtension ?? new X509AuthorityKeyIdentifierExtension(extension.RawData, extension.Critical);
        var keyIdentifier = aki.KeyIdentifier
            ?? throw new ArgumentException("the certificate's Authority Key Identifier has no keyIdentifier, so ARI cannot name it", nameof(certificate));
        // SerialNumberBytes is big-endian as encoded; GetSerialNumber() would be little-endian.
        return Base64Url.EncodeToString(keyIdentifier.Span) + "." + Base64Url.EncodeToString(certificate.SerialNumberBytes.Span);
    }
}
