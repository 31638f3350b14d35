using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

public class AcmeAccountKeyTests
{
    [Theory]
    [InlineData("ES256")]
    [InlineData("ES384")]
    [InlineData("RS256")]
    public void A_key_survives_a_PEM_round_trip_with_the_same_thumbprint(string algorithm)
    {
        using var key = AcmeAccountKey.Generate(algorithm);

        using var reread = AcmeAccountKey.FromPem(key.ToPem());

        Assert.Equal(algorithm, reread.Algorithm);
        Assert.Equal(key.Thumbprint, reread.Thumbprint);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key.ToPem());
    }

    [Fact]
    public void A_SEC1_EC_key_is_read_too()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = PemEncoding.WriteString("EC PRIVATE KEY", ecdsa.ExportECPrivateKey());

        using var key = AcmeAccountKey.FromPem(pem);

        Assert.Equal("ES256", key.Algorithm);
    }

    [Fact]
    public void Unsupported_algorithms_are_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => AcmeAccountKey.Generate("HS256"));
        Assert.Contains("HS256", error.Message);
    }

    [Fact]
    public void Key_authorization_and_DNS_01_value_follow_RFC_8555()
    {
        using var key = AcmeAccountKey.Generate();
        using var client = new AcmeClient(new AcmeClientOptions { DirectoryUrl = new Uri("https://ca.invalid/dir") }, key);

        var keyAuthorization = client.KeyAuthorization("token-123");
        var txt = client.Dns01TxtValue("token-123");

        Assert.Equal("token-123." + key.Thumbprint, keyAuthorization);
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(keyAuthorization))), txt);
        Assert.Equal(43, txt.Length);
    }
}
