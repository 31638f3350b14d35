using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class AcmeExternalAccountBindingTests
{
    // Pebble's example MAC key for kid-1.
    private const string MacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

    [Fact]
    public void The_inner_JWS_is_HS256_over_the_account_jwk_with_the_decoded_MAC_key()
    {
        using var key = AcmeAccountKey.Generate();
        var binding = new AcmeExternalAccountBinding("kid-1", MacKey);

        using var jws = JsonDocument.Parse(binding.CreateJws(key.Jwk, "https://ca.example/new-acct"));

        var protectedHeader = jws.RootElement.GetProperty("protected").GetString()!;
        var payload = jws.RootElement.GetProperty("payload").GetString()!;
        Assert.Equal("""{"alg":"HS256","kid":"kid-1","url":"https://ca.example/new-acct"}""", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(protectedHeader)));
        Assert.Equal(key.Jwk.CanonicalJson, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)));
        var expected = HMACSHA256.HashData(Base64Url.DecodeFromChars(MacKey), Encoding.ASCII.GetBytes(protectedHeader + "." + payload));
        Assert.Equal(Base64Url.EncodeToString(expected), jws.RootElement.GetProperty("signature").GetString());
    }

    [Fact]
    public void A_padded_standard_base64_key_gives_the_same_MAC()
    {
        using var key = AcmeAccountKey.Generate();
        var standard = Convert.ToBase64String(Base64Url.DecodeFromChars(MacKey));

        var fromUrl = new AcmeExternalAccountBinding("k", MacKey).CreateJws(key.Jwk, "u");
        var fromStandard = new AcmeExternalAccountBinding("k", standard).CreateJws(key.Jwk, "u");

        Assert.Equal(fromUrl, fromStandard);
    }
}
