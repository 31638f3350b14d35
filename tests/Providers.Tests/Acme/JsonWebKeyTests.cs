using System.Buffers.Text;
using System.Security.Cryptography;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class JsonWebKeyTests
{
    // RFC 7638 §3.1.
    private const string RfcModulus =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    [Fact]
    public void The_thumbprint_of_the_RFC_7638_example_key_matches_the_RFC()
    {
        var jwk = JsonWebKey.FromRsa(new RSAParameters { Modulus = Base64Url.DecodeFromChars(RfcModulus), Exponent = Base64Url.DecodeFromChars("AQAB") });

        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", jwk.Thumbprint);
        Assert.Equal($$"""{"e":"AQAB","kty":"RSA","n":"{{RfcModulus}}"}""", jwk.CanonicalJson);
    }

    [Fact]
    public void RSA_members_lose_leading_zero_octets()
    {
        var modulus = Base64Url.DecodeFromChars(RfcModulus);
        var padded = JsonWebKey.FromRsa(new RSAParameters { Modulus = [0, .. modulus], Exponent = [0, 1, 0, 1] });

        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", padded.Thumbprint);
    }

    [Theory]
    [InlineData("nistP256", "P-256", 32)]
    [InlineData("nistP384", "P-384", 48)]
    public void EC_keys_list_crv_kty_x_y_with_full_length_coordinates(string curve, string crv, int coordinateLength)
    {
        using var key = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        var parameters = key.ExportParameters(false);

        var jwk = JsonWebKey.FromEc(parameters);

        using var json = System.Text.Json.JsonDocument.Parse(jwk.CanonicalJson);
        Assert.Equal(["crv", "kty", "x", "y"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(crv, json.RootElement.GetProperty("crv").GetString());
        Assert.Equal(coordinateLength, Base64Url.DecodeFromChars(json.RootElement.GetProperty("x").GetString()).Length);
        Assert.Equal(coordinateLength, Base64Url.DecodeFromChars(json.RootElement.GetProperty("y").GetString()).Length);
        Assert.DoesNotContain(" ", jwk.CanonicalJson);
    }
}
