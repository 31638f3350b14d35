using System.Formats.Asn1;
using System.Security.Cryptography;

namespace CertFleet.Providers.Pki;

/// <summary>
/// Writes a PKCS#12 trust store: certificate bags marked with Oracle's trusted-key-usage attribute, without which
/// Java ignores certificates that have no key (the framework's export cannot add that attribute).
/// </summary>
/// <remarks>
/// The certificates are public, so they are stored unencrypted; the password-keyed MAC protects their integrity.
/// </remarks>
internal static class Pkcs12TrustStoreWriter
{
    private const string DataOid = "1.2.840.113549.1.7.1";
    private const string CertBagOid = "1.2.840.113549.1.12.10.1.3";
    private const string X509CertificateOid = "1.2.840.113549.1.9.22.1";
    private const string FriendlyNameOid = "1.2.840.113549.1.9.20";
    private const string JavaTrustedKeyUsageOid = "2.16.840.1.113894.746875.1.1";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";
    private const int MacSaltLength = 8;

    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>The integrity check: the classic PKCS#12 MAC with SHA-1 or SHA-256, or PBMAC1 (RFC 9579).</summary>
    public enum Mac
    {
        Sha1,
        Sha256,
        Pbmac1,
    }

    public static byte[] Write(IReadOnlyList<CertificateInfo> certificates, string password, Mac mac, int iterations)
    {
        var safeContents = new AsnWriter(AsnEncodingRules.DER);
        using (safeContents.PushSequence())
        {
            foreach (var certificate in certificates)
            {
                WriteCertificateBag(safeContents, certificate);
            }
        }

        var authenticatedSafe = new AsnWriter(AsnEncodingRules.DER);
        using (authenticatedSafe.PushSequence())
        {
            WriteDataContentInfo(authenticatedSafe, safeContents.Encode());
        }
        var authenticatedSafeDer = authenticatedSafe.Encode();

        var pfx = new AsnWriter(AsnEncodingRules.DER);
        using (pfx.PushSequence())
        {
            pfx.WriteInteger(3);
            WriteDataContentInfo(pfx, authenticatedSafeDer);
            if (mac == Mac.Pbmac1)
            {
                Pkcs12Pbmac1.WriteMacData(pfx, authenticatedSafeDer, password, iterations);
            }
            else
            {
                WriteClassicMacData(pfx, authenticatedSafeDer, password, mac == Mac.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1, iterations);
            }
        }
        return pfx.Encode();
    }

    private static void WriteClassicMacData(AsnWriter pfx, byte[] authenticatedSafeDer, string password, HashAlgorithmName macHash, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(MacSaltLength);
        var macKey = Pkcs12KeyDerivation.DeriveKey(password, salt, iterations, macHash, Pkcs12KeyDerivation.MacKeyId, HashLength(macHash));
        var mac = macHash == HashAlgorithmName.SHA256
            ? HMACSHA256.HashData(macKey, authenticatedSafeDer)
            : HMACSHA1.HashData(macKey, authenticatedSafeDer);
        using (pfx.PushSequence())
        {
            using (pfx.PushSequence())
            {
                using (pfx.PushSequence())
                {
                    pfx.WriteObjectIdentifier(macHash == HashAlgorithmName.SHA256 ? "2.16.840.1.101.3.4.2.1" : "1.3.14.3.2.26");
                    pfx.WriteNull();
                }
                pfx.WriteOctetString(mac);
            }
            pfx.WriteOctetString(salt);
            pfx.WriteInteger(iterations);
        }
    }

    private static void WriteCertificateBag(AsnWriter writer, CertificateInfo certificate)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(CertBagOid);
            using (writer.PushSequence(Explicit0))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(X509CertificateOid);
                using (writer.PushSequence(Explicit0))
                {
                    writer.WriteOctetString(certificate.Der);
                }
            }
            using (writer.PushSetOf())
            {
                // Java uses the friendly name as the alias; cert-manager's library sets it to the subject.
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(FriendlyNameOid);
                    using (writer.PushSetOf())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.BMPString, certificate.SubjectDN);
                    }
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(JavaTrustedKeyUsageOid);
                    using (writer.PushSetOf())
                    {
                        writer.WriteObjectIdentifier(AnyExtendedKeyUsageOid);
                    }
                }
            }
        }
    }

    private static void WriteDataContentInfo(AsnWriter writer, byte[] content)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(DataOid);
            using (writer.PushSequence(Explicit0))
            {
                writer.WriteOctetString(content);
            }
        }
    }

    private static int HashLength(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA256 ? 32 : 20;
}
