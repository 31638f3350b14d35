using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class CaKeyPairTests
{
    [Fact]
    public void A_self_signed_root_with_its_key_is_a_CA_key_pair()
    {
        using var key = TestKeys.Ecdsa();
        var (certPem, keyPem) = TestCertificates.Root(key);

        using var ca = CaKeyPair.FromPem(certPem, keyPem, caCrt: null, TestCertificates.Now);

        Assert.Equal("CN=CertFleet Test Root", ca.Certificate.SubjectDN);
        Assert.Single(ca.Chain);
        Assert.Equal(key.SubjectPublicKeyInfo, ca.Key.SubjectPublicKeyInfo);
    }

    [Fact]
    public void A_leaf_certificate_is_not_a_CA()
    {
        using var key = TestKeys.Ecdsa();
        var leaf = CertificateSigner.SelfSign(TestCertificates.Request(TestCertificates.Leaf(), key), key, TestCertificates.Now);

        var error = Assert.Throws<PkiException>(() =>
            CaKeyPair.FromPem(leaf.ChainPem, key.ToPem(KeyEncodings.Pkcs1), null, TestCertificates.Now));

        Assert.Equal(
            "tls.crt: \"CN=app.example.com\" is not a CA certificate (basicConstraints CA:true is missing); issue it with isCA: true",
            error.Message);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused()
    {
        using var key = TestKeys.Ecdsa();
        using var otherKey = TestKeys.Rsa();
        var (certPem, _) = TestCertificates.Root(key);

        var error = Assert.Throws<PkiException>(() =>
            CaKeyPair.FromPem(certPem, otherKey.ToPem(KeyEncodings.Pkcs8), null, TestCertificates.Now));

        Assert.StartsWith("tls.key: the private key does not match certificate \"CN=CertFleet Test Root\"", error.Message);
    }

    [Fact]
    public void An_expired_CA_is_refused()
    {
        using var key = TestKeys.Ecdsa();
        var (certPem, keyPem) = TestCertificates.Root(key, duration: TimeSpan.FromDays(1));

        var error = Assert.Throws<PkiException>(() => CaKeyPair.FromPem(certPem, keyPem, null, TestCertificates.Now.AddDays(1).AddSeconds(1)));

        Assert.Equal(
            "tls.crt: CA certificate \"CN=CertFleet Test Root\" expired on Mon, 02 Mar 2026 12:30:45 GMT; renew the CA and update the Secret",
            error.Message);
    }

    [Fact]
    public void Certificates_that_do_not_form_a_chain_are_refused()
    {
        using var rootKey = TestKeys.Ecdsa();
        using var otherRootKey = TestKeys.Ecdsa(384);
        using var intermediateKey = TestKeys.Ed25519();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        var (otherRootPem, _) = TestCertificates.Root(otherRootKey, "Other Root");
        using var root = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var (intermediatePem, intermediateKeyPem) = TestCertificates.Intermediate(root, intermediateKey);
        var wrongChain = PemBundle.Join([CertificateInfo.ParseFirst(intermediatePem).ToPem(), otherRootPem]);

        var error = Assert.Throws<PkiException>(() => CaKeyPair.FromPem(wrongChain, intermediateKeyPem, null, TestCertificates.Now));

        Assert.StartsWith("tls.crt: certificate 2 (\"CN=Other Root\") did not issue certificate 1 (\"CN=CertFleet Test Intermediate\")", error.Message);
    }

    [Theory]
    [InlineData("", "tls.crt: no \"-----BEGIN CERTIFICATE-----\" block found")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n", "tls.crt: certificate: not a valid DER X.509 certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAECAw\n", "tls.crt: PEM block 1 (\"-----BEGIN CERTIFICATE-----\") is malformed")]
    public void Garbage_in_tls_crt_is_explained(string tlsCrt, string message)
    {
        using var key = TestKeys.Ecdsa();

        var error = Assert.Throws<PkiException>(() => CaKeyPair.FromPem(tlsCrt, key.ToPem(KeyEncodings.Pkcs8), null, TestCertificates.Now));

        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Garbage_in_tls_key_is_explained()
    {
        using var key = TestKeys.Ecdsa();
        var (certPem, _) = TestCertificates.Root(key);

        var error = Assert.Throws<PkiException>(() => CaKeyPair.FromPem(certPem, certPem, null, TestCertificates.Now));

        Assert.StartsWith("tls.key: private key: found only \"CERTIFICATE\" blocks", error.Message);
    }
}
