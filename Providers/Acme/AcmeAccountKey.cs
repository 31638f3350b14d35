using System.Security.Cryptography;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Acme;

/// <summary>
/// The key that signs an ACME account's requests: ES256 (P-256), ES384 (P-384) or RS256 (RSA ≥2048).
/// Stored as PKCS#8 PEM; thread-safe for signing.
/// </summary>
public sealed class AcmeAccountKey : IDisposable
{
    public const string ES256 = "ES256";
    public const string ES384 = "ES384";
    public const string RS256 = "RS256";

    private readonly AsymmetricAlgorithm _key;

    private AcmeAccountKey(AsymmetricAlgorithm key)
    {
        _key = key;
        switch (key)
        {
            case ECDsa ecdsa:
                var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
                Jwk = JsonWebKey.FromEc(parameters);
                Algorithm = ecdsa.KeySize switch
                {
                    256 => ES256,
                    384 => ES384,
                    var size => throw new ArgumentException($"ACME account key: P-{size} is not supported; use P-256 (ES256) or P-384 (ES384)"),
                };
                break;
            case RSA rsa:
                if (rsa.KeySize < KeySpec.MinRsaSize)
                {
                    throw new ArgumentException($"ACME account key: RSA {rsa.KeySize} is too small; use at least {KeySpec.MinRsaSize} bits");
                }
                Jwk = JsonWebKey.FromRsa(rsa.ExportParameters(includePrivateParameters: false));
                Algorithm = RS256;
                break;
            default:
                throw new ArgumentException("ACME account key: only ECDSA and RSA keys are supported");
        }
    }

    /// <summary>The JWS <c>alg</c>: ES256, ES384 or RS256.</summary>
    public string Algorithm { get; }

    /// <summary>The public key as sent in <c>jwk</c> headers.</summary>
    public JsonWebKey Jwk { get; }

    /// <summary>RFC 7638 base64url thumbprint, the second half of every key authorization.</summary>
    public string Thumbprint => Jwk.Thumbprint;

    public static AcmeAccountKey Generate(string algorithm = ES256) => new(algorithm switch
    {
        ES256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        ES384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        RS256 => RSA.Create(2048),
        _ => throw new ArgumentException($"ACME account key: \"{algorithm}\" is not supported; use {ES256}, {ES384} or {RS256}", nameof(algorithm)),
    });

    /// <summary>Reads any PEM form <see cref="PrivateKey.FromPem"/> accepts (PKCS#1, SEC1, PKCS#8).</summary>
    public static AcmeAccountKey FromPem(string pem)
    {
        using var parsed = PrivateKey.FromPem(pem);
        var pkcs8 = parsed.ToPkcs8Der();
        AsymmetricAlgorithm key = parsed.Algorithm switch
        {
            KeyAlgorithms.Ecdsa => ECDsa.Create(),
            KeyAlgorithms.Rsa => RSA.Create(),
            _ => throw new ArgumentException($"ACME account key: {parsed.Algorithm} keys cannot sign ACME requests; use ECDSA P-256/P-384 or RSA"),
        };
        try
        {
            switch (key)
            {
                case ECDsa ecdsa:
                    ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
                    break;
                case RSA rsa:
                    rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                    break;
            }
            return new AcmeAccountKey(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Unencrypted PKCS#8 PEM ("PRIVATE KEY"), for the account Secret.</summary>
    public string ToPem()
    {
        var der = _key.ExportPkcs8PrivateKey();
        try
        {
            return PemBundle.Encode("PRIVATE KEY", der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>The JWS signature over <paramref name="signingInput"/>: raw r‖s for ECDSA (not DER), PKCS#1 v1.5 for RSA.</summary>
    public byte[] Sign(ReadOnlySpan<byte> signingInput) => _key switch
    {
        ECDsa ecdsa => ecdsa.SignData(signingInput, Algorithm == ES384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        RSA rsa => rsa.SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new InvalidOperationException("unreachable: the constructor accepts only ECDSA and RSA"),
    };

    public void Dispose() => _key.Dispose();
}
