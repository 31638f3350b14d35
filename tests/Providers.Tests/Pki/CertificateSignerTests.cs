using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class CertificateSignerTests
{
    private static readonly DateTimeOffset NowTruncated = new(2026, 3, 1, 12, 30, 45, TimeSpan.Zero);

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    [InlineData("Ed25519")]
    public async Task SelfSign_issues_a_certificate_that_is_its_own_ca(string algorithm)
    {
        using var key = TestKeys.Get(algorithm);
        var template = TestCertificates.Leaf();

        var issued = CertificateSigner.SelfSign(TestCertificates.Request(template, key), key, TestCertificates.Now);

        Assert.Equal(issued.ChainPem, issued.CaPem);
        Assert.Single(PemBundle.Certificates(issued.ChainPem, "chain"));
        var leaf = issued.Leaf;
        Assert.Equal("CN=app.example.com", leaf.SubjectDN);
        Assert.Equal(leaf.SubjectDN, leaf.IssuerDN);
        Assert.Equal(template.DnsNames, leaf.DnsNames);
        Assert.Equal(NowTruncated, leaf.NotBefore);
        Assert.Equal(NowTruncated + TimeSpan.FromHours(2160), leaf.NotAfter);
        Assert.False(leaf.IsCA);
        Assert.True(leaf.IsSelfSigned);
        Assert.Equal(["digital signature", "key encipherment"], leaf.KeyUsages);
        Assert.Equal(["server auth"], leaf.ExtKeyUsages);
        Assert.True(leaf.MatchesKey(key));
        Assert.Equal((key.Algorithm, key.Size), (leaf.PublicKeyAlgorithm, leaf.KeySize));
        Assert.Equal(leaf.Sha256Fingerprint, CertificateInfo.ParseFirst(issued.ChainPem).Sha256Fingerprint);
        ChainAssert.Valid(issued);
        using var openssl = new OpenSsl();
        await openssl.Verify(issued.CaPem!, issued.ChainPem);
    }

    [Fact]
    public async Task Serial_numbers_are_random_positive_128_bit_integers()
    {
        using var key = TestKeys.Ecdsa();
        var request = TestCertificates.Request(TestCertificates.Leaf(), key);

        // Half of all serials have the top bit set; 64 tries all missing it would take odds of 2^-64.
        var issued = Enumerable.Range(0, 64).Select(_ => CertificateSigner.SelfSign(request, key, TestCertificates.Now)).ToList();
        var serials = issued.Select(i => i.Leaf.SerialHex).ToList();
        var topBitSet = issued.First(i => i.Leaf.SerialHex is { Length: 32 } hex && hex[0] >= '8');
        using var openssl = new OpenSsl();
        openssl.Write("cert.pem", topBitSet.ChainPem);
        // openssl prints a negative INTEGER with a leading '-'.
        var (exitCode, serialOutput) = await openssl.Run("x509", "-in", "cert.pem", "-noout", "-serial");

        Assert.All(serials, s => Assert.InRange(s.Length, 1, 32));
        Assert.Equal(serials.Count, serials.Distinct().Count());
        Assert.True(exitCode == 0, serialOutput);
        Assert.Equal("serial=" + topBitSet.Leaf.SerialHex.ToUpperInvariant(), serialOutput.Trim());
    }

    [Fact]
    public void SelfSign_refuses_a_key_that_did_not_sign_the_CSR()
    {
        using var csrKey = TestKeys.Ecdsa();
        using var otherKey = TestKeys.Ecdsa(384);

        var error = Assert.Throws<PkiException>(() =>
            CertificateSigner.SelfSign(TestCertificates.Request(TestCertificates.Leaf(), csrKey), otherKey, TestCertificates.Now));

        Assert.Contains("the private key does not match the CSR's public key", error.Message);
    }

    [Theory]
    [InlineData("RSA", 2048, "SHA256WithRSA")]
    [InlineData("RSA", 4096, "SHA512WithRSA")]
    [InlineData("ECDSA", 384, "ECDSAWithSHA384")]
    [InlineData("Ed25519", 0, "PureEd25519")]
    public void SelfSign_signs_with_the_CSR_signature_algorithm(string algorithm, int size, string signatureAlgorithm)
    {
        using var key = TestKeys.Get(algorithm, size);

        var issued = CertificateSigner.SelfSign(TestCertificates.Request(TestCertificates.Leaf(), key), key, TestCertificates.Now);

        Assert.Equal(signatureAlgorithm, issued.Leaf.SignatureAlgorithm);
    }

    [Fact]
    public void A_self_signed_CA_gets_cert_sign_and_a_critical_CA_basic_constraint()
    {
        using var key = TestKeys.Ecdsa();
        var (certPem, _) = TestCertificates.Root(key);

        using var certificate = X509CertificateLoader.LoadCertificate(PemBundle.Certificates(certPem, "root")[0]);
        var info = CertificateInfo.ParseFirst(certPem);

        Assert.True(info.IsCA);
        Assert.Contains("cert sign", info.KeyUsages);
        var basicConstraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basicConstraints.Critical && basicConstraints.CertificateAuthority);
        Assert.True(certificate.Extensions.OfType<X509KeyUsageExtension>().Single().Critical);
        Assert.Single(certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
    }

    [Fact]
    public void Usages_come_from_the_request_when_the_CSR_carries_none()
    {
        using var key = TestKeys.Ecdsa();
        var template = TestCertificates.Leaf() with { EncodeUsagesInRequest = false };

        var issued = CertificateSigner.SelfSign(
            TestCertificates.Request(template, key, usages: ["digital signature", "client auth"]), key, TestCertificates.Now);

        Assert.Equal(["digital signature"], issued.Leaf.KeyUsages);
        Assert.Equal(["client auth"], issued.Leaf.ExtKeyUsages);
    }

    [Fact]
    public void Usages_encoded_in_the_CSR_win_over_the_request()
    {
        using var key = TestKeys.Ecdsa();

        var issued = CertificateSigner.SelfSign(
            TestCertificates.Request(TestCertificates.Leaf(), key, usages: ["client auth"]), key, TestCertificates.Now);

        Assert.Equal(["server auth"], issued.Leaf.ExtKeyUsages);
    }

    [Fact]
    public void Empty_usages_mean_digital_signature_and_key_encipherment()
    {
        using var key = TestKeys.Ecdsa();
        var template = new CertificateTemplate { CommonName = "app", EncodeUsagesInRequest = false };

        var issued = CertificateSigner.SelfSign(TestCertificates.Request(template, key, usages: []), key, TestCertificates.Now);

        Assert.Equal(["digital signature", "key encipherment"], issued.Leaf.KeyUsages);
        Assert.Empty(issued.Leaf.ExtKeyUsages);
    }

    [Fact]
    public void A_CSR_basic_constraint_that_disagrees_with_spec_isCA_is_refused()
    {
        using var key = TestKeys.Ecdsa();
        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "ca", IsCA = true }, key));

        var error = Assert.Throws<PkiException>(() =>
            CertificateSigner.SelfSign(new SigningRequest(csr, TimeSpan.FromDays(1), IsCA: false, []), key, TestCertificates.Now));

        Assert.Contains("spec.isCA is false but the CSR's basicConstraints request CA:true", error.Message);
    }

    [Fact]
    public void A_zero_duration_means_cert_managers_default_and_a_negative_one_is_refused()
    {
        using var key = TestKeys.Ecdsa();
        var request = TestCertificates.Request(TestCertificates.Leaf(), key);

        var defaulted = CertificateSigner.SelfSign(request with { Duration = TimeSpan.Zero }, key, TestCertificates.Now);
        var error = Assert.Throws<PkiException>(() =>
            CertificateSigner.SelfSign(request with { Duration = TimeSpan.FromHours(-1) }, key, TestCertificates.Now));

        Assert.Equal(TimeSpan.FromHours(2160), defaulted.Leaf.NotAfter - defaulted.Leaf.NotBefore);
        Assert.Contains("spec.duration: -1h0m0s is negative", error.Message);
    }

    [Theory]
    [InlineData("ECDSA", "RSA")]
    [InlineData("RSA", "ECDSA")]
    [InlineData("Ed25519", "Ed25519")]
    [InlineData("ECDSA", "Ed25519")]
    public async Task A_root_CA_signs_a_leaf_and_ca_crt_is_the_root(string caAlgorithm, string leafAlgorithm)
    {
        using var rootKey = TestKeys.Get(caAlgorithm);
        using var leafKey = TestKeys.Get(leafAlgorithm);
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, caCrt: null, TestCertificates.Now);

        var issued = CertificateSigner.SignWithCa(TestCertificates.Request(TestCertificates.Leaf(), leafKey), ca, TestCertificates.Now);

        Assert.Equal(issued.Leaf.ToPem(), issued.ChainPem);
        Assert.Equal(rootPem, issued.CaPem);
        Assert.Equal("CN=CertFleet Test Root", issued.Leaf.IssuerDN);
        Assert.True(issued.Leaf.MatchesKey(leafKey));
        Assert.False(issued.Leaf.IsSelfSigned);
        Assert.Equal(SignatureAlgorithmFor(caAlgorithm), issued.Leaf.SignatureAlgorithm);
        using var leafCertificate = X509CertificateLoader.LoadCertificate(issued.Leaf.Der);
        using var rootCertificate = X509CertificateLoader.LoadCertificate(ca.Certificate.Der);
        var authorityKeyIdentifier = leafCertificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        var rootKeyIdentifier = rootCertificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(rootKeyIdentifier.SubjectKeyIdentifierBytes.ToArray(), authorityKeyIdentifier.KeyIdentifier!.Value.ToArray());
        ChainAssert.Valid(issued);
        using var openssl = new OpenSsl();
        await openssl.Verify(issued.CaPem!, issued.ChainPem, purpose: "sslserver");
    }

    [Fact]
    public async Task An_intermediate_CA_puts_itself_in_tls_crt_and_the_root_in_ca_crt()
    {
        using var rootKey = TestKeys.Ecdsa(384);
        using var intermediateKey = TestKeys.Rsa();
        using var leafKey = TestKeys.Ecdsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var root = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var (intermediatePem, intermediateKeyPem) = TestCertificates.Intermediate(root, intermediateKey);
        using var intermediate = CaKeyPair.FromPem(intermediatePem, intermediateKeyPem, null, TestCertificates.Now);

        var issued = CertificateSigner.SignWithCa(TestCertificates.Request(TestCertificates.Leaf(), leafKey), intermediate, TestCertificates.Now);

        var chain = PemBundle.Certificates(issued.ChainPem, "chain");
        Assert.Equal(2, chain.Count);
        Assert.Equal(issued.Leaf.Der, chain[0]);
        Assert.Equal(intermediate.Certificate.Der, chain[1]);
        Assert.Equal(rootPem, issued.CaPem);
        Assert.Equal("CN=CertFleet Test Intermediate", issued.Leaf.IssuerDN);
        ChainAssert.Valid(issued);
        using var openssl = new OpenSsl();
        await openssl.Verify(issued.CaPem!, issued.Leaf.ToPem(), intermediate.Certificate.ToPem(), "sslserver");
    }

    [Fact]
    public void An_intermediate_without_its_root_in_tls_crt_finds_it_in_ca_crt()
    {
        using var rootKey = TestKeys.Ecdsa(384);
        using var intermediateKey = TestKeys.Ecdsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var root = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var (intermediateChainPem, intermediateKeyPem) = TestCertificates.Intermediate(root, intermediateKey);
        var intermediateOnly = CertificateInfo.ParseFirst(intermediateChainPem).ToPem();

        using var withCaCrt = CaKeyPair.FromPem(intermediateOnly, intermediateKeyPem, rootPem, TestCertificates.Now);
        using var withoutCaCrt = CaKeyPair.FromPem(intermediateOnly, intermediateKeyPem, null, TestCertificates.Now);
        var request = TestCertificates.Request(TestCertificates.Leaf(), intermediateKey);
        var rooted = CertificateSigner.SignWithCa(request, withCaCrt, TestCertificates.Now);
        var unrooted = CertificateSigner.SignWithCa(request, withoutCaCrt, TestCertificates.Now);

        Assert.Equal(rootPem, rooted.CaPem);
        Assert.Equal(2, PemBundle.Certificates(rooted.ChainPem, "chain").Count);
        ChainAssert.Valid(rooted);
        // Without the root, the top-most known CA is ca.crt and stays in the chain, as cert-manager does.
        Assert.Equal(intermediateOnly, unrooted.CaPem);
        Assert.Equal(2, PemBundle.Certificates(unrooted.ChainPem, "chain").Count);
    }

    [Fact]
    public void SignWithCa_refuses_a_CSR_whose_signature_does_not_verify()
    {
        using var rootKey = TestKeys.Ecdsa();
        using var leafKey = TestKeys.Rsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var request = TestCertificates.Request(TestCertificates.Leaf(), leafKey);
        var tampered = request.Csr.Der.ToArray();
        tampered[^3] ^= 0x01;

        var error = Assert.Throws<PkiException>(() =>
            CertificateSigner.SignWithCa(request with { Csr = request.Csr with { Der = tampered } }, ca, TestCertificates.Now));

        Assert.Contains("CSR: the signature does not verify", error.Message);
    }

    [Fact]
    public void SignWithCa_reads_a_CSR_changed_after_parsing_from_its_verified_DER_again()
    {
        using var rootKey = TestKeys.Ecdsa();
        using var leafKey = TestKeys.Ecdsa();
        using var otherKey = TestKeys.Rsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var request = TestCertificates.Request(TestCertificates.Leaf(), leafKey);
        var changed = request with { Csr = request.Csr with { SubjectPublicKeyInfo = otherKey.SubjectPublicKeyInfo, DnsNames = ["other.example"] } };

        var asParsed = CertificateSigner.SignWithCa(request, ca, TestCertificates.Now).Leaf;
        var afterChange = CertificateSigner.SignWithCa(changed, ca, TestCertificates.Now).Leaf;

        Assert.True(asParsed.MatchesKey(leafKey));
        Assert.True(afterChange.MatchesKey(leafKey));
        Assert.False(afterChange.MatchesKey(otherKey));
        Assert.Equal(asParsed.DnsNames, afterChange.DnsNames);
    }

    [Fact]
    public void SignWithCa_refuses_once_the_CA_has_expired()
    {
        using var rootKey = TestKeys.Ecdsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey, duration: TimeSpan.FromDays(1));
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);

        var error = Assert.Throws<PkiException>(() => CertificateSigner.SignWithCa(
            TestCertificates.Request(TestCertificates.Leaf(), rootKey), ca, TestCertificates.Now.AddDays(2)));

        Assert.Contains("expired on Mon, 02 Mar 2026 12:30:45 GMT", error.Message);
    }

    [Fact]
    public async Task Every_kind_of_SAN_reaches_the_certificate()
    {
        using var rootKey = TestKeys.Ecdsa();
        using var leafKey = TestKeys.Ecdsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var template = new CertificateTemplate
        {
            DnsNames = ["a.example.com"],
            IpAddresses = ["192.0.2.1", "2001:db8::1"],
            Uris = ["spiffe://cluster.local/ns/a/sa/b"],
            EmailAddresses = ["a@example.com"],
            OtherNames = [("1.3.6.1.4.1.311.20.2.3", "upn@example.com")],
        };

        var issued = CertificateSigner.SignWithCa(TestCertificates.Request(template, leafKey), ca, TestCertificates.Now);

        var leaf = issued.Leaf;
        Assert.Equal("", leaf.SubjectDN);
        Assert.Equal(template.DnsNames, leaf.DnsNames);
        Assert.Equal(template.IpAddresses, leaf.IpAddresses);
        Assert.Equal(template.Uris, leaf.Uris);
        Assert.Equal(template.EmailAddresses, leaf.EmailAddresses);
        Assert.Equal(template.OtherNames, leaf.OtherNames);
        using var openssl = new OpenSsl();
        openssl.Write("leaf.pem", issued.ChainPem);
        var (_, text) = await openssl.Run("x509", "-in", "leaf.pem", "-noout", "-text");
        Assert.Contains("X509v3 Subject Alternative Name: critical", text);
        Assert.Contains("upn@example.com", text);
        await openssl.Verify(issued.CaPem!, issued.ChainPem);
    }

    [Fact]
    public async Task An_Ed25519_chain_is_understood_by_openssl()
    {
        using var rootKey = TestKeys.Ed25519();
        using var leafKey = TestKeys.Ed25519();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var ca = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);

        var issued = CertificateSigner.SignWithCa(TestCertificates.Request(TestCertificates.Leaf(), leafKey), ca, TestCertificates.Now);

        using var openssl = new OpenSsl();
        openssl.Write("leaf.pem", issued.ChainPem);
        var (exitCode, text) = await openssl.Run("x509", "-in", "leaf.pem", "-noout", "-text");
        Assert.True(exitCode == 0, text);
        Assert.Contains("Signature Algorithm: ED25519", text);
        Assert.Contains("Public Key Algorithm: ED25519", text);
        await openssl.Verify(issued.CaPem!, issued.ChainPem, purpose: "sslserver");
    }

    [Fact]
    public async Task Name_constraints_of_a_CA_reach_its_certificate()
    {
        using var key = TestKeys.Ecdsa();
        var template = new CertificateTemplate
        {
            CommonName = "constrained",
            IsCA = true,
            NameConstraints = new NameConstraints
            {
                Critical = true,
                Permitted = new NameConstraintItems { DnsDomains = [".example.com"], IpRanges = ["10.0.0.0/8"] },
                Excluded = new NameConstraintItems { EmailAddresses = ["example.org"], UriDomains = [".evil.example"] },
            },
        };

        var issued = CertificateSigner.SelfSign(TestCertificates.Request(template, key), key, TestCertificates.Now);

        using var openssl = new OpenSsl();
        openssl.Write("ca.pem", issued.ChainPem);
        var (_, text) = await openssl.Run("x509", "-in", "ca.pem", "-noout", "-text");
        Assert.Contains("X509v3 Name Constraints: critical", text);
        Assert.Contains("DNS:.example.com", text);
        Assert.Contains("IP:10.0.0.0/255.0.0.0", text);
        Assert.Contains("email:example.org", text);
        Assert.Contains("URI:.evil.example", text);
    }

    private static string SignatureAlgorithmFor(string algorithm) => algorithm switch
    {
        "RSA" => "SHA256WithRSA",
        "ECDSA" => "ECDSAWithSHA256",
        _ => "PureEd25519",
    };
}
