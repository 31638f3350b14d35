using System.Formats.Asn1;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The SIGNED{} envelope shared by certificates and PKCS#10 requests:
/// SEQUENCE { to-be-signed, AlgorithmIdentifier, BIT STRING signature }.
/// </summary>
internal sealed record SignedStructure(ReadOnlyMemory<byte> ToBeSigned, string AlgorithmOid, byte[] Signature)
{
    /// <summary>Splits <paramref name="der"/>; the caller maps <see cref="AsnContentException"/> to its own message.</summary>
    public static SignedStructure Split(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var envelope = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var toBeSigned = envelope.ReadEncodedValue();
        var algorithm = envelope.ReadSequence().ReadObjectIdentifier();
        var signature = envelope.ReadBitString(out _);
        envelope.ThrowIfNotEmpty();
        return new SignedStructure(toBeSigned, algorithm, signature);
    }

    /// <summary>Whether <paramref name="signer"/> made this signature with an algorithm cert-manager supports.</summary>
    public bool IsSignedBy(SubjectPublicKey signer) =>
        SignatureAlgorithm.FromOid(AlgorithmOid) is { } algorithm && signer.Verify(algorithm, ToBeSigned.Span, Signature);
}
