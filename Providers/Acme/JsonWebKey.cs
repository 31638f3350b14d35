using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Acme;

/// <summary>
/// A public key as an RFC 7517 JWK holding only the required members in RFC 7638 canonical form (sorted, no
/// whitespace), so the same text serves as the <c>jwk</c> header and as the thumbprint input.
/// </summary>
public sealed class JsonWebKey
{
    private JsonWebKey(string canonicalJson)
    {
        CanonicalJson = canonicalJson;
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));
    }

    /// <summary><c>{"crv":…,"kty":"EC","x":…,"y":…}</c> or <c>{"e":…,"kty":"RSA","n":…}</c>.</summary>
    public string CanonicalJson { get; }

    /// <summary>RFC 7638: base64url(SHA-256(canonical JSON)).</summary>
    public string Thumbprint { get; }

    public static JsonWebKey FromRsa(RSAParameters key)
    {
        ArgumentNullException.ThrowIfNull(key.Exponent);
        ArgumentNullException.ThrowIfNull(key.Modulus);
        // JWA §6.3.1: unsigned big-endian without leading zero octets.
        var e = Base64Url.EncodeToString(key.Exponent.AsSpan().TrimStart((byte)0));
        var n = Base64Url.EncodeToString(key.Modulus.AsSpan().TrimStart((byte)0));
        return new JsonWebKey($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""");
    }

    public static JsonWebKey FromEc(ECParameters key)
    {
        ArgumentNullException.ThrowIfNull(key.Q.X);
        ArgumentNullException.ThrowIfNull(key.Q.Y);
        var curve = key.Curve.Oid.FriendlyName switch
        {
            "nistP256" or "ECDSA_P256" => "P-256",
            "nistP384" or "ECDSA_P384" => "P-384",
            "nistP521" or "ECDSA_P521" => "P-521",
            var other => throw new ArgumentException($"curve {other} has no JWK name", nameof(key)),
        };
        // JWA §6.2.1.2: coordinates keep their full length, leading zeros included (ExportParameters pads them).
        var x = Base64Url.EncodeToString(key.Q.X);
        var y = Base64Url.EncodeToString(key.Q.Y);
        return new JsonWebKey($$"""{"crv":"{{curve}}","kty":"EC","x":"{{x}}","y":"{{y}}"}""");
    }

    public override string ToString() => CanonicalJson;
}
