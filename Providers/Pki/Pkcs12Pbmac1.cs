using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The PBMAC1 integrity check of PKCS#12 (RFC 9579) that the Modern2026 profile uses: HMAC-SHA-256 keyed by
/// PBKDF2-HMAC-SHA-256 of the UTF-8 password, all parameters in the MAC's algorithm identifier. OpenSSL reads it
/// from 3.4, Java from 26. The framework only writes the classic PKCS#12 MAC, so its output is resealed here.
/// </summary>
internal static class Pkcs12Pbmac1
{
    private const string Pbmac1Oid = "1.2.840.113549.1.5.14";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    private const string HmacWithSha256Oid = "1.2.840.113549.2.9";
    private const string DataOid = "1.2.840.113549.1.7.1";
    private const int SaltLength = 16;
    private const int KeyLength = 32;

    // RFC 9579: macSalt and iterations of MacData are ignored with PBMAC1; its examples put these constants there.
    private static readonly byte[] UnusedMacSalt = "NOT USED"u8.ToArray();

    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>Replaces the MAC of a PFX (or adds one) with a PBMAC1 MAC over its authenticated safe.</summary>
    public static byte[] Reseal(byte[] pfx, string password, int iterations)
    {
        var reader = new AsnReader(pfx, AsnEncodingRules.BER).ReadSequence();
        var version = reader.ReadInteger();
        var authSafe = reader.ReadEncodedValue().ToArray();
        var content = AuthenticatedSafeContent(authSafe);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(version);
            writer.WriteEncodedValue(authSafe);
            WriteMacData(writer, content, password, iterations);
        }
        return writer.Encode();
    }

    /// <summary>Writes MacData with a PBMAC1 MAC of <paramref name="authenticatedSafe"/> (the DER of the AuthenticatedSafe).</summary>
    public static void WriteMacData(AsnWriter writer, ReadOnlySpan<byte> authenticatedSafe, string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyLength);
        var mac = HMACSHA256.HashData(key, authenticatedSafe);
        CryptographicOperations.ZeroMemory(key);
        using (writer.PushSequence()) // MacData
        {
            using (writer.PushSequence()) // DigestInfo
            {
                using (writer.PushSequence()) // AlgorithmIdentifier: PBMAC1
                {
                    writer.WriteObjectIdentifier(Pbmac1Oid);
                    using (writer.PushSequence()) // PBMAC1-params
                    {
                        using (writer.PushSequence()) // keyDerivationFunc: PBKDF2
                        {
                            writer.WriteObjectIdentifier(Pbkdf2Oid);
                            using (writer.PushSequence())
                            {
                                writer.WriteOctetString(salt);
                                writer.WriteInteger(iterations);
                                writer.WriteInteger(KeyLength);
                                WriteHmacWithSha256(writer);
                            }
                        }
                        WriteHmacWithSha256(writer); // messageAuthScheme
                    }
                }
                writer.WriteOctetString(mac);
            }
            writer.WriteOctetString(UnusedMacSalt);
            writer.WriteInteger(1);
        }
    }

    private static void WriteHmacWithSha256(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(HmacWithSha256Oid);
            writer.WriteNull();
        }
    }

    /// <summary>The octets the MAC covers: the content of the PFX's data ContentInfo.</summary>
    private static byte[] AuthenticatedSafeContent(byte[] authSafe)
    {
        var contentInfo = new AsnReader(authSafe, AsnEncodingRules.BER).ReadSequence();
        if (contentInfo.ReadObjectIdentifier() != DataOid)
        {
            throw new PkiException("keystores: the PKCS#12 file to seal is not password-integrity protected data");
        }
        return contentInfo.ReadSequence(Explicit0).ReadOctetString();
    }
}
