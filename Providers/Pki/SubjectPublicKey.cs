using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace CertFleet.Providers.Pki;

/// <summary>
/// A parsed SubjectPublicKeyInfo from a CSR or certificate: what kind of key it is, whether it is the same
/// key as another, and whether it verifies a signature.
/// </summary>
internal sealed class SubjectPublicKey
{
    private SubjectPublicKey(string algorithm, int size, byte[] canonicalDer)
    {
        Algorithm = algorithm;
        Size = size;
        CanonicalDer = canonicalDer;
    }

    public string Algorithm { get; }

    public int Size { get; }

    /// <summary>The SPKI as this process encodes it, so two encodings of one key compare equal.</summary>
    public byte[] CanonicalDer { get; }

    /// <param name="what">Names the input in error messages, e.g. "CSR".</param>
    public static SubjectPublicKey Parse(ReadOnlyMemory<byte> spki, string what)
    {
        var (key, imported) = Import(spki, what);
        imported?.Dispose();
        return key;
    }

    /// <summary>
    /// Parses the key and checks a signature with it as imported: one import instead of <see cref="Parse"/> and
    /// <see cref="Verify"/>'s two (importing is most of what checking a CSR costs).
    /// </summary>
    public static SubjectPublicKey Parse(ReadOnlyMemory<byte> spki, string what, SignatureAlgorithm algorithm,
        ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out bool verified)
    {
        var (key, imported) = Import(spki, what);
        using (imported)
            verified = key.Verify(imported, algorithm, data, signature);
        return key;
    }

    /// <summary>The key, and for RSA and ECDSA the imported key object, which the caller disposes.</summary>
    private static (SubjectPublicKey Key, AsymmetricAlgorithm? Imported) Import(ReadOnlyMemory<byte> spki, string what)
    {
        AsymmetricAlgorithm? imported = null;
        try
        {
            var info = new AsnReader(spki, AsnEncodingRules.DER).ReadSequence();
            var algorithm = info.ReadSequence().ReadObjectIdentifier();
            switch (algorithm)
            {
                case Oids.Rsa:
                    var rsa = RSA.Create();
                    imported = rsa;
                    rsa.ImportSubjectPublicKeyInfo(spki.Span, out _);
                    return (new SubjectPublicKey(KeyAlgorithms.Rsa, rsa.KeySize, rsa.ExportSubjectPublicKeyInfo()), rsa);
                case Oids.EcPublicKey:
                    var ecdsa = ECDsa.Create();
                    imported = ecdsa;
                    ecdsa.ImportSubjectPublicKeyInfo(spki.Span, out _);
                    var size = NamedCurves.SizeOf(ecdsa, what);
                    return (new SubjectPublicKey(KeyAlgorithms.Ecdsa, size, ecdsa.ExportSubjectPublicKeyInfo()), ecdsa);
                case Oids.Ed25519:
                    var key = info.ReadBitString(out _);
                    if (key.Length != Ed25519KeyFormats.KeyLength || !IsEd25519Point(key))
                    {
                        throw new PkiException($"{what}: the Ed25519 public key is not a valid {Ed25519KeyFormats.KeyLength}-byte curve point");
                    }
                    return (new SubjectPublicKey(KeyAlgorithms.Ed25519, KeySpec.Ed25519Size, Ed25519KeyFormats.EncodeSubjectPublicKeyInfo(key)), null);
                default:
                    throw new PkiException(
                        $"{what}: public key algorithm {algorithm} is not supported; use RSA, ECDSA (P-256/384/521) or Ed25519");
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            imported?.Dispose();
            throw new PkiException($"{what}: the public key is not a valid SubjectPublicKeyInfo", e);
        }
        catch (PlatformNotSupportedException e)
        {
            imported?.Dispose();
            throw new PkiException($"{what}: the public key names an elliptic curve that is not supported; use P-256, P-384 or P-521", e);
        }
        catch (PkiException)
        {
            imported?.Dispose();
            throw;
        }
    }

    private static bool IsEd25519Point(byte[] key)
    {
        try
        {
            _ = new Ed25519PublicKeyParameters(key);
            return true;
        }
        catch (ArgumentException)
        {
            return false; // BouncyCastle's way of saying the bytes do not decode to a point
        }
    }

    public bool SameKeyAs(SubjectPublicKey other) => CanonicalDer.AsSpan().SequenceEqual(other.CanonicalDer);

    public bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        AsymmetricAlgorithm? imported = Algorithm switch
        {
            KeyAlgorithms.Rsa => RSA.Create(),
            KeyAlgorithms.Ecdsa => ECDsa.Create(),
            _ => null,
        };
        using (imported)
        {
            imported?.ImportSubjectPublicKeyInfo(CanonicalDer, out _);
            return Verify(imported, algorithm, data, signature);
        }
    }

    /// <param name="imported">This key imported (RSA, ECDSA), or null for Ed25519.</param>
    private bool Verify(AsymmetricAlgorithm? imported, SignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (algorithm.KeyAlgorithm != Algorithm)
        {
            return false;
        }
        switch (imported)
        {
            case RSA rsa:
                return rsa.VerifyData(data, signature, algorithm.Hash, RSASignaturePadding.Pkcs1);
            case ECDsa ecdsa:
                return ecdsa.VerifyData(data, signature, algorithm.Hash, DSASignatureFormat.Rfc3279DerSequence);
            default:
                if (signature.Length != Ed25519.SignatureSize)
                {
                    return false;
                }
                var publicKey = new Ed25519PublicKeyParameters(CanonicalDer, CanonicalDer.Length - Ed25519KeyFormats.KeyLength);
                return publicKey.Verify(Ed25519.Algorithm.Ed25519, null, data.ToArray(), 0, data.Length, signature.ToArray(), 0);
        }
    }
}
