using System.Formats.Asn1;

namespace CertFleet.Providers.Pki;

/// <summary>RFC 8410 encodings of Ed25519 keys, which the framework does not know.</summary>
internal static class Ed25519KeyFormats
{
    public const int KeyLength = 32;

    public static byte[] EncodeSubjectPublicKeyInfo(ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteAlgorithmIdentifier(writer);
            writer.WriteBitString(publicKey);
        }
        return writer.Encode();
    }

    /// <summary>OneAsymmetricKey v1: the private key is the 32-byte seed wrapped in an OCTET STRING (CurvePrivateKey).</summary>
    public static byte[] EncodePkcs8(ReadOnlySpan<byte> seed)
    {
        var curvePrivateKey = new AsnWriter(AsnEncodingRules.DER);
        curvePrivateKey.WriteOctetString(seed);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            WriteAlgorithmIdentifier(writer);
            writer.WriteOctetString(curvePrivateKey.Encode());
        }
        return writer.Encode();
    }

    /// <summary>The seed from a PKCS#8 document already known to carry the Ed25519 algorithm OID.</summary>
    public static byte[] DecodePkcs8Seed(ReadOnlyMemory<byte> pkcs8)
    {
        var reader = new AsnReader(pkcs8, AsnEncodingRules.DER);
        var oneAsymmetricKey = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        oneAsymmetricKey.ReadInteger(); // v1, or v2 with an optional public key that we derive instead
        oneAsymmetricKey.ReadSequence();
        var curvePrivateKey = new AsnReader(oneAsymmetricKey.ReadOctetString(), AsnEncodingRules.DER);
        var seed = curvePrivateKey.ReadOctetString();
        curvePrivateKey.ThrowIfNotEmpty();
        if (seed.Length != KeyLength)
        {
            throw new PkiException($"private key: an Ed25519 key is {KeyLength} bytes, this one is {seed.Length}");
        }
        return seed;
    }

    private static void WriteAlgorithmIdentifier(AsnWriter writer)
    {
        // RFC 8410: the parameters are absent, not NULL.
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Oids.Ed25519);
        }
    }
}
