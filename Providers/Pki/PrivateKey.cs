using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertFleet.Providers.Pki;

/// <summary>
/// An RSA, ECDSA (P-256/384/521) or Ed25519 private key. RSA and ECDSA use the framework;
/// Ed25519 uses BouncyCastle's primitive because .NET has none.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    private const string RsaPkcs1Label = "RSA PRIVATE KEY";
    private const string EcSec1Label = "EC PRIVATE KEY";
    private const string Pkcs8Label = "PRIVATE KEY";

    private readonly AsymmetricAlgorithm? _rsaOrEcdsa;
    private readonly Ed25519PrivateKeyParameters? _ed25519;
    private readonly byte[] _subjectPublicKeyInfo;

    private PrivateKey(RSA rsa)
    {
        _rsaOrEcdsa = rsa;
        Algorithm = KeyAlgorithms.Rsa;
        Size = rsa.KeySize;
        _subjectPublicKeyInfo = rsa.ExportSubjectPublicKeyInfo();
    }

    private PrivateKey(ECDsa ecdsa, string what)
    {
        _rsaOrEcdsa = ecdsa;
        Algorithm = KeyAlgorithms.Ecdsa;
        Size = NamedCurves.SizeOf(ecdsa, what);
        _subjectPublicKeyInfo = ecdsa.ExportSubjectPublicKeyInfo();
    }

    private PrivateKey(Ed25519PrivateKeyParameters ed25519)
    {
        _ed25519 = ed25519;
        Algorithm = KeyAlgorithms.Ed25519;
        Size = KeySpec.Ed25519Size;
        _subjectPublicKeyInfo = Ed25519KeyFormats.EncodeSubjectPublicKeyInfo(ed25519.GeneratePublicKey().GetEncoded());
    }

    /// <summary>"RSA", "ECDSA" or "Ed25519".</summary>
    public string Algorithm { get; }

    /// <summary>RSA modulus bits, EC curve bits (256/384/521), 256 for Ed25519.</summary>
    public int Size { get; }

    /// <summary>The DER SubjectPublicKeyInfo of the public half (a fresh copy).</summary>
    public byte[] SubjectPublicKeyInfo => _subjectPublicKeyInfo.ToArray();

    /// <summary>Generates a key. CPU-bound: RSA 4096 and up take seconds.</summary>
    public static PrivateKey Generate(KeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var valid = KeySpec.FromCertificateSpec(spec.Algorithm, spec.Size, spec.Encoding);
        return valid.Algorithm switch
        {
            KeyAlgorithms.Rsa => new PrivateKey(RSA.Create(valid.Size)),
            KeyAlgorithms.Ecdsa => new PrivateKey(ECDsa.Create(NamedCurves.ForSize(valid.Size)), "generated key"),
            _ => new PrivateKey(new Ed25519PrivateKeyParameters(RandomNumberGenerator.GetBytes(Ed25519KeyFormats.KeyLength))),
        };
    }

    /// <summary>
    /// Reads the first private key block: PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY" or
    /// PKCS#8 "PRIVATE KEY" holding RSA, ECDSA or Ed25519. Other blocks (certificates) are skipped.
    /// </summary>
    public static PrivateKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var blocks = PemBundle.Split(pem);
        var block = blocks.FirstOrDefault(b => b.Label.EndsWith(Pkcs8Label, StringComparison.Ordinal));
        if (block is null)
        {
            var found = blocks.Count == 0
                ? "no PEM block"
                : "only " + string.Join(", ", blocks.Select(b => $"\"{b.Label}\"")) + " blocks";
            throw new PkiException(
                $"private key: found {found}; expected \"-----BEGIN {Pkcs8Label}-----\", \"-----BEGIN {RsaPkcs1Label}-----\" or \"-----BEGIN {EcSec1Label}-----\"");
        }

        try
        {
            return block.Label switch
            {
                RsaPkcs1Label => FromRsaPkcs1(block.Der),
                EcSec1Label => FromEcSec1(block.Der),
                Pkcs8Label => FromPkcs8(block.Der),
                "ENCRYPTED PRIVATE KEY" => throw new PkiException(
                    "private key: encrypted PKCS#8 keys are not supported; store the key unencrypted (openssl pkcs8 -topk8 -nocrypt)"),
                _ => throw new PkiException(
                    $"private key: \"{block.Label}\" keys are not supported; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)"),
            };
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new PkiException($"private key: the \"{block.Label}\" block is not a valid key of that format", e);
        }
        catch (PlatformNotSupportedException e)
        {
            throw new PkiException($"private key: the \"{block.Label}\" block names an elliptic curve that is not supported; use P-256, P-384 or P-521", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block.Der);
        }
    }

    /// <summary>
    /// PEM in <paramref name="encoding"/>: PKCS1 gives "RSA PRIVATE KEY" / "EC PRIVATE KEY", PKCS8 gives "PRIVATE KEY".
    /// Ed25519 has no PKCS#1 form and is always PKCS#8, as in cert-manager.
    /// </summary>
    public string ToPem(string encoding)
    {
        var (label, der) = encoding switch
        {
            KeyEncodings.Pkcs8 => (Pkcs8Label, ToPkcs8Der()),
            KeyEncodings.Pkcs1 => _rsaOrEcdsa switch
            {
                RSA rsa => (RsaPkcs1Label, rsa.ExportRSAPrivateKey()),
                ECDsa ecdsa => (EcSec1Label, ecdsa.ExportECPrivateKey()),
                _ => (Pkcs8Label, ToPkcs8Der()),
            },
            _ => throw new PkiException(
                $"spec.privateKey.encoding: \"{encoding}\" is not supported; use {KeyEncodings.Pkcs1} or {KeyEncodings.Pkcs8}"),
        };
        try
        {
            return PemBundle.Encode(label, der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>Unencrypted PKCS#8 DER, as cert-manager writes to <c>key.der</c>.</summary>
    public byte[] ToPkcs8Der() => _rsaOrEcdsa?.ExportPkcs8PrivateKey() ?? Ed25519KeyFormats.EncodePkcs8(_ed25519!.GetEncoded());

    /// <summary>Same algorithm and size as <paramref name="spec"/>; the encoding is a storage detail and ignored.</summary>
    public bool Satisfies(KeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Algorithm == spec.Algorithm && (Algorithm == KeyAlgorithms.Ed25519 || Size == spec.Size);
    }

    public void Dispose() => _rsaOrEcdsa?.Dispose();

    internal PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);

    internal X509SignatureGenerator CreateSignatureGenerator() => _rsaOrEcdsa switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        _ => new Ed25519SignatureGenerator(_ed25519!, _subjectPublicKeyInfo),
    };

    /// <summary>A copy of <paramref name="certificate"/> carrying this key, for PKCS#12 export.</summary>
    internal X509Certificate2 AttachTo(X509Certificate2 certificate) => _rsaOrEcdsa switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new PkiException(
            "keystores.pkcs12: PKCS#12 keystores are not supported for Ed25519 keys; use an RSA or ECDSA key, or a JKS keystore"),
    };

    private static PrivateKey FromRsaPkcs1(byte[] der)
    {
        var rsa = RSA.Create();
        rsa.ImportRSAPrivateKey(der, out var read);
        RequireWholeBlock(read, der, RsaPkcs1Label, rsa);
        return new PrivateKey(rsa);
    }

    private static PrivateKey FromEcSec1(byte[] der)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportECPrivateKey(der, out var read);
        RequireWholeBlock(read, der, EcSec1Label, ecdsa);
        return FromEcdsa(ecdsa);
    }

    private static PrivateKey FromPkcs8(byte[] der)
    {
        var info = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        info.ReadInteger();
        var algorithm = info.ReadSequence().ReadObjectIdentifier();
        switch (algorithm)
        {
            case Oids.Rsa:
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(der, out var rsaRead);
                RequireWholeBlock(rsaRead, der, Pkcs8Label, rsa);
                return new PrivateKey(rsa);
            case Oids.EcPublicKey:
                var ecdsa = ECDsa.Create();
                ecdsa.ImportPkcs8PrivateKey(der, out var ecRead);
                RequireWholeBlock(ecRead, der, Pkcs8Label, ecdsa);
                return FromEcdsa(ecdsa);
            case Oids.Ed25519:
                var seed = Ed25519KeyFormats.DecodePkcs8Seed(der);
                try
                {
                    return new PrivateKey(new Ed25519PrivateKeyParameters(seed));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seed);
                }
            default:
                throw new PkiException(
                    $"private key: PKCS#8 key algorithm {algorithm} is not supported; use RSA, ECDSA (P-256/384/521) or Ed25519");
        }
    }

    private static PrivateKey FromEcdsa(ECDsa ecdsa)
    {
        try
        {
            return new PrivateKey(ecdsa, "private key");
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    private static void RequireWholeBlock(int read, byte[] der, string label, AsymmetricAlgorithm key)
    {
        if (read != der.Length)
        {
            key.Dispose();
            throw new PkiException($"private key: the \"{label}\" block has {der.Length - read} bytes after the key; it is corrupt");
        }
    }
}
