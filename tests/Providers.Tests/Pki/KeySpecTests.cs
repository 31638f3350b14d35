using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class KeySpecTests
{
    [Theory]
    [InlineData(null, null, null, "RSA", 2048, "PKCS1")]
    [InlineData("", 0, "", "RSA", 2048, "PKCS1")]
    [InlineData("RSA", 4096, "PKCS8", "RSA", 4096, "PKCS8")]
    [InlineData("RSA", 8192, null, "RSA", 8192, "PKCS1")]
    [InlineData("ECDSA", null, null, "ECDSA", 256, "PKCS1")]
    [InlineData("ECDSA", 384, "PKCS8", "ECDSA", 384, "PKCS8")]
    [InlineData("ECDSA", 521, null, "ECDSA", 521, "PKCS1")]
    [InlineData("Ed25519", null, null, "Ed25519", 256, "PKCS1")]
    [InlineData("Ed25519", 4096, "PKCS8", "Ed25519", 256, "PKCS8")]
    public void FromCertificateSpec_applies_cert_manager_defaults(
        string? algorithm, int? size, string? encoding, string expectedAlgorithm, int expectedSize, string expectedEncoding)
    {
        var spec = KeySpec.FromCertificateSpec(algorithm, size, encoding);

        Assert.Equal(new KeySpec(expectedAlgorithm, expectedSize, expectedEncoding), spec);
    }

    [Theory]
    [InlineData("RSA", 1024, null, "spec.privateKey.size: 1024 is not allowed for RSA; use 2048 to 8192")]
    [InlineData("RSA", 8200, null, "spec.privateKey.size: 8200 is not allowed for RSA; use 2048 to 8192")]
    [InlineData("ECDSA", 512, null, "spec.privateKey.size: 512 is not allowed for ECDSA; use 256, 384 or 521")]
    [InlineData("rsa", null, null, "spec.privateKey.algorithm: \"rsa\" is not supported")]
    [InlineData("DSA", null, null, "spec.privateKey.algorithm: \"DSA\" is not supported")]
    [InlineData("RSA", null, "DER", "spec.privateKey.encoding: \"DER\" is not supported; use PKCS1 or PKCS8")]
    public void FromCertificateSpec_rejects_what_cert_manager_rejects(string? algorithm, int? size, string? encoding, string message)
    {
        var error = Assert.Throws<PkiException>(() => KeySpec.FromCertificateSpec(algorithm, size, encoding));

        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Generate_validates_a_hand_built_spec()
    {
        var error = Assert.Throws<PkiException>(() => PrivateKey.Generate(new KeySpec("RSA", 1024, "PKCS1")));

        Assert.Contains("spec.privateKey.size", error.Message);
    }
}
