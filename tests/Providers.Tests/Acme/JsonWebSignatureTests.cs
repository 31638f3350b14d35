using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class JsonWebSignatureTests
{
    [Theory]
    [InlineData("ES256", 64)]
    [InlineData("ES384", 96)]
    public void ECDSA_signatures_are_raw_r_and_s_and_verify_with_the_embedded_jwk(string algorithm, int signatureLength)
    {
        using var key = AcmeAccountKey.Generate(algorithm);

        var jws = Parse(JsonWebSignature.Create(key, "https://ca.example/new-acct", "nonce-1", keyId: null, """{"a":1}"""));

        Assert.Equal(signatureLength, jws.Signature.Length);
        var jwk = jws.Header.GetProperty("jwk");
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = algorithm == "ES256" ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString()), Y = Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()) },
        });
        var hash = algorithm == "ES256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384;
        Assert.True(verifier.VerifyData(jws.SigningInput, jws.Signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void RS256_signatures_are_PKCS1_v1_5()
    {
        using var key = AcmeAccountKey.Generate("RS256");

        var jws = Parse(JsonWebSignature.Create(key, "https://ca.example/new-acct", "n", keyId: null, "{}"));

        var jwk = jws.Header.GetProperty("jwk");
        using var verifier = RSA.Create(new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(jwk.GetProperty("n").GetString()),
            Exponent = Base64Url.DecodeFromChars(jwk.GetProperty("e").GetString()),
        });
        Assert.True(verifier.VerifyData(jws.SigningInput, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Without_a_key_id_the_header_embeds_the_jwk_and_names_alg_nonce_url()
    {
        using var key = AcmeAccountKey.Generate();

        var jws = Parse(JsonWebSignature.Create(key, "https://ca.example/new-acct", "nonce-1", keyId: null, "{}"));

        Assert.Equal(["alg", "jwk", "nonce", "url"], jws.Header.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ES256", jws.Header.GetProperty("alg").GetString());
        Assert.Equal("nonce-1", jws.Header.GetProperty("nonce").GetString());
        Assert.Equal("https://ca.example/new-acct", jws.Header.GetProperty("url").GetString());
        Assert.Equal(key.Jwk.CanonicalJson, jws.Header.GetProperty("jwk").GetRawText());
    }

    [Fact]
    public void With_a_key_id_the_header_names_the_account_and_no_jwk()
    {
        using var key = AcmeAccountKey.Generate();

        var jws = Parse(JsonWebSignature.Create(key, "https://ca.example/order/1", "nonce-2", "https://ca.example/acct/7", ""));

        Assert.Equal(["alg", "kid", "nonce", "url"], jws.Header.EnumerateObject().Select(p => p.Name));
        Assert.Equal("https://ca.example/acct/7", jws.Header.GetProperty("kid").GetString());
        Assert.Equal("", jws.Payload);
    }

    [Fact]
    public void The_inner_key_change_JWS_has_no_nonce()
    {
        using var key = AcmeAccountKey.Generate();

        var jws = Parse(JsonWebSignature.Create(key, "https://ca.example/key-change", nonce: null, keyId: null, "{}"));

        Assert.Equal(["alg", "jwk", "url"], jws.Header.EnumerateObject().Select(p => p.Name));
    }

    internal static (JsonElement Header, string Payload, byte[] Signature, byte[] SigningInput) Parse(string flattened)
    {
        using var document = JsonDocument.Parse(flattened);
        var root = document.RootElement;
        Assert.Equal(["protected", "payload", "signature"], root.EnumerateObject().Select(p => p.Name));
        var protectedHeader = root.GetProperty("protected").GetString()!;
        var payload = root.GetProperty("payload").GetString()!;
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(protectedHeader)).RootElement.Clone();
        return (header, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)), Base64Url.DecodeFromChars(root.GetProperty("signature").GetString()),
            Encoding.ASCII.GetBytes(protectedHeader + "." + payload));
    }
}
