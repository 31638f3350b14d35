namespace CertFleet.Providers.Pki;

/// <summary>
/// A validated <c>spec.privateKey</c>: algorithm, size and PEM encoding, spelled as cert-manager spells them.
/// Ed25519 has a fixed size, reported as 256.
/// </summary>
public sealed record KeySpec(string Algorithm, int Size, string Encoding)
{
    public const int MinRsaSize = 2048;
    public const int MaxRsaSize = 8192;
    public const int Ed25519Size = 256;

    /// <summary>
    /// Applies cert-manager's defaults (RSA, 2048 for RSA / 256 for ECDSA, PKCS1) to the fields of
    /// <c>spec.privateKey</c> and validates them. A size of 0 means "not set", as in the CRD.
    /// </summary>
    /// <summary>Throws a <see cref="PkiException"/> naming spec.signatureAlgorithm when it cannot sign with this key.</summary>
    public void CheckSignatureAlgorithm(string? requested) => SignatureAlgorithm.For(Algorithm, Size, requested);

    public static KeySpec FromCertificateSpec(string? algorithm, int? size, string? encoding)
    {
        var resolvedEncoding = string.IsNullOrEmpty(encoding) ? KeyEncodings.Pkcs1 : encoding;
        if (resolvedEncoding is not (KeyEncodings.Pkcs1 or KeyEncodings.Pkcs8))
        {
            throw new PkiException(
                $"spec.privateKey.encoding: \"{encoding}\" is not supported; use {KeyEncodings.Pkcs1} or {KeyEncodings.Pkcs8}");
        }

        var requestedSize = size ?? 0;
        switch (string.IsNullOrEmpty(algorithm) ? KeyAlgorithms.Rsa : algorithm)
        {
            case KeyAlgorithms.Rsa:
                var rsaSize = requestedSize == 0 ? MinRsaSize : requestedSize;
                if (rsaSize is < MinRsaSize or > MaxRsaSize)
                {
                    throw new PkiException(
                        $"spec.privateKey.size: {rsaSize} is not allowed for RSA; use {MinRsaSize} to {MaxRsaSize}");
                }
                return new KeySpec(KeyAlgorithms.Rsa, rsaSize, resolvedEncoding);

            case KeyAlgorithms.Ecdsa:
                var curveSize = requestedSize == 0 ? 256 : requestedSize;
                if (curveSize is not (256 or 384 or 521))
                {
                    throw new PkiException(
                        $"spec.privateKey.size: {curveSize} is not allowed for ECDSA; use 256, 384 or 521");
                }
                return new KeySpec(KeyAlgorithms.Ecdsa, curveSize, resolvedEncoding);

            case KeyAlgorithms.Ed25519:
                return new KeySpec(KeyAlgorithms.Ed25519, Ed25519Size, resolvedEncoding);

            default:
                throw new PkiException(
                    $"spec.privateKey.algorithm: \"{algorithm}\" is not supported; use {KeyAlgorithms.Rsa}, {KeyAlgorithms.Ecdsa} or {KeyAlgorithms.Ed25519} (case-sensitive)");
        }
    }
}
