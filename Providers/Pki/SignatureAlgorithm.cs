using System.Security.Cryptography;

namespace CertFleet.Providers.Pki;

/// <summary>
/// One of cert-manager's <c>spec.signatureAlgorithm</c> values with the OID it is written as.
/// </summary>
internal sealed record SignatureAlgorithm(string Name, string Oid, string KeyAlgorithm, HashAlgorithmName Hash)
{
    public static readonly SignatureAlgorithm Sha256WithRsa = new("SHA256WithRSA", "1.2.840.113549.1.1.11", KeyAlgorithms.Rsa, HashAlgorithmName.SHA256);
    public static readonly SignatureAlgorithm Sha384WithRsa = new("SHA384WithRSA", "1.2.840.113549.1.1.12", KeyAlgorithms.Rsa, HashAlgorithmName.SHA384);
    public static readonly SignatureAlgorithm Sha512WithRsa = new("SHA512WithRSA", "1.2.840.113549.1.1.13", KeyAlgorithms.Rsa, HashAlgorithmName.SHA512);
    public static readonly SignatureAlgorithm EcdsaWithSha256 = new("ECDSAWithSHA256", "1.2.840.10045.4.3.2", KeyAlgorithms.Ecdsa, HashAlgorithmName.SHA256);
    public static readonly SignatureAlgorithm EcdsaWithSha384 = new("ECDSAWithSHA384", "1.2.840.10045.4.3.3", KeyAlgorithms.Ecdsa, HashAlgorithmName.SHA384);
    public static readonly SignatureAlgorithm EcdsaWithSha512 = new("ECDSAWithSHA512", "1.2.840.10045.4.3.4", KeyAlgorithms.Ecdsa, HashAlgorithmName.SHA512);

    // Ed25519 hashes internally; CertificateRequest still insists on a hash name, and SHA-512 is the one Ed25519 uses.
    public static readonly SignatureAlgorithm PureEd25519 = new("PureEd25519", Oids.Ed25519, KeyAlgorithms.Ed25519, HashAlgorithmName.SHA512);

    private static readonly SignatureAlgorithm[] All =
        [Sha256WithRsa, Sha384WithRsa, Sha512WithRsa, EcdsaWithSha256, EcdsaWithSha384, EcdsaWithSha512, PureEd25519];

    public static SignatureAlgorithm? FromOid(string oid) => Array.Find(All, a => a.Oid == oid);

    /// <summary>
    /// The algorithm to sign with for a key: <paramref name="requested"/> when it fits the key, else cert-manager's
    /// default (RSA ≥4096 → SHA512, ≥3072 → SHA384, else SHA256; P-521/384/256 → SHA512/384/256; Ed25519 → PureEd25519).
    /// </summary>
    public static SignatureAlgorithm For(string keyAlgorithm, int keySize, string? requested)
    {
        if (string.IsNullOrEmpty(requested))
        {
            return keyAlgorithm switch
            {
                KeyAlgorithms.Rsa => keySize >= 4096 ? Sha512WithRsa : keySize >= 3072 ? Sha384WithRsa : Sha256WithRsa,
                KeyAlgorithms.Ecdsa => keySize >= 521 ? EcdsaWithSha512 : keySize >= 384 ? EcdsaWithSha384 : EcdsaWithSha256,
                _ => PureEd25519,
            };
        }

        var named = Array.Find(All, a => a.Name == requested)
            ?? throw new PkiException(
                $"spec.signatureAlgorithm: \"{requested}\" is not supported; use one of {string.Join(", ", All.Select(a => a.Name))}");
        if (named.KeyAlgorithm != keyAlgorithm)
        {
            var fitting = All.Where(a => a.KeyAlgorithm == keyAlgorithm).Select(a => a.Name);
            throw new PkiException(
                $"spec.signatureAlgorithm: {requested} cannot be used with a {keyAlgorithm} key; use one of {string.Join(", ", fitting)} or leave it unset");
        }
        return named;
    }
}
