using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class CsrBuilderTests
{
    private static readonly CertificateTemplate Everything = new()
    {
        CommonName = "app.example.com",
        Subject = new SubjectFields
        {
            Organizations = ["Example Inc"],
            Countries = ["DE"],
            OrganizationalUnits = ["Platform"],
            Localities = ["Berlin"],
            Provinces = ["Berlin"],
            StreetAddresses = ["Unter den Linden 1"],
            PostalCodes = ["10117"],
            SerialNumber = "4711",
        },
        DnsNames = ["app.example.com", "*.app.example.com"],
        IpAddresses = ["10.0.0.1", "fd00::1"],
        Uris = ["spiffe://cluster.local/ns/default/sa/app"],
        EmailAddresses = ["ops@example.com"],
        OtherNames = [("1.3.6.1.4.1.311.20.2.3", "app@example.com")],
        Usages = ["server auth", "client auth", "digital signature", "key encipherment"],
    };

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    [InlineData("Ed25519")]
    public void The_same_PEM_string_is_checked_once_and_an_equal_copy_and_an_altered_one_are_checked_again(string algorithm)
    {
        using var key = TestKeys.Get(algorithm);
        var pem = CsrBuilder.BuildPem(Everything, key);

        var first = CsrBuilder.Parse(pem);
        var copy = CsrBuilder.Parse(new string(pem.AsSpan()));

        Assert.Same(first, CsrBuilder.Parse(pem));
        Assert.NotSame(first, copy);
        Assert.Equal(first.Der, copy.Der);
        var der = CsrBuilder.DerOf(pem);
        der[^1] ^= 0x01; // the last byte of the signature
        var altered = PemBundle.Encode(PemBundle.CertificateRequestLabel, der);
        Assert.Contains("signature does not verify", Assert.Throws<PkiException>(() => CsrBuilder.Parse(altered)).Message);
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    [InlineData("Ed25519")]
    public void Parse_returns_what_BuildPem_was_asked_for(string algorithm)
    {
        using var key = TestKeys.Get(algorithm);

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(Everything, key));

        Assert.Equal("app.example.com", csr.CommonName);
        Assert.Equal(Everything.Subject, csr.Subject);
        Assert.Equal(
            "SERIALNUMBER=4711,CN=app.example.com,OU=Platform,O=Example Inc,POSTALCODE=10117,STREET=Unter den Linden 1,L=Berlin,ST=Berlin,C=DE",
            csr.SubjectDN);
        Assert.Equal(Everything.DnsNames, csr.DnsNames);
        Assert.Equal(Everything.IpAddresses, csr.IpAddresses);
        Assert.Equal(Everything.Uris, csr.Uris);
        Assert.Equal(Everything.EmailAddresses, csr.EmailAddresses);
        Assert.Equal(Everything.OtherNames, csr.OtherNames);
        Assert.Equal(Everything.Usages.Order(), csr.RequestedUsages!.Order());
        Assert.False(csr.RequestedIsCA);
        Assert.Equal(key.SubjectPublicKeyInfo, csr.SubjectPublicKeyInfo);
        Assert.Equal((key.Algorithm, key.Size), (csr.PublicKeyAlgorithm, csr.KeySize));
    }

    [Fact]
    public void A_CA_request_asks_for_cert_sign_and_the_default_usages()
    {
        using var key = TestKeys.Ecdsa();

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "ca", IsCA = true }, key));

        Assert.True(csr.RequestedIsCA);
        Assert.Equal(["digital signature", "key encipherment", "cert sign"], csr.RequestedUsages);
    }

    [Fact]
    public void Usages_stay_out_of_the_request_when_EncodeUsagesInRequest_is_false()
    {
        using var key = TestKeys.Ecdsa();
        var template = new CertificateTemplate { CommonName = "app", Usages = ["server auth"], EncodeUsagesInRequest = false };

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(template, key));

        Assert.Null(csr.RequestedUsages);
        Assert.Null(csr.RequestedIsCA);
    }

    [Fact]
    public void Several_values_of_one_field_share_one_RDN_in_DER_set_order_as_in_Go()
    {
        using var key = TestKeys.Ecdsa();
        var template = new CertificateTemplate { CommonName = "app", Subject = new SubjectFields { Organizations = ["Alpha", "Beta"] } };

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(template, key));

        // DER sorts a SET OF by encoding, so the shorter "Beta" comes first.
        Assert.Equal("CN=app,O=Beta+O=Alpha", csr.SubjectDN);
        Assert.Equal(["Beta", "Alpha"], csr.Subject.Organizations);
    }

    [Theory]
    [InlineData("CN=app,O=Example\\, Inc.,C=US", "CN=app,O=Example\\, Inc.,C=US", "app")]
    [InlineData("  cn = app , o=Example  ", "CN=app,O=Example", "app")]
    [InlineData("CN=caf\\C3\\A9+UID=42,DC=example,DC=com", "CN=café+UID=42,DC=example,DC=com", "café")]
    [InlineData("CN=\\ padded\\ ,O=\\#hash", "CN=\\ padded\\ ,O=\\#hash", " padded ")]
    [InlineData("2.5.4.3=#0c03617070,O=x", "CN=app,O=x", "app")]
    [InlineData("CN=app,1.2.3.4=test", "CN=app,1.2.3.4=#130474657374", "app")]
    public void LiteralSubject_is_RFC_4514_with_its_order_preserved(string literal, string printed, string commonName)
    {
        using var key = TestKeys.Ecdsa();

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { LiteralSubject = literal }, key));

        Assert.Equal(commonName, csr.CommonName);
        Assert.Equal(printed, csr.SubjectDN);
    }

    [Fact]
    public async Task Openssl_sees_the_literal_subject_in_the_same_order()
    {
        using var key = TestKeys.Rsa();
        using var openssl = new OpenSsl();
        openssl.Write("csr.pem", CsrBuilder.BuildPem(new CertificateTemplate { LiteralSubject = "CN=app,OU=Web,O=Example,C=US" }, key));

        var (exitCode, output) = await openssl.Run("req", "-in", "csr.pem", "-noout", "-subject", "-nameopt", "RFC2253");

        Assert.True(exitCode == 0, output);
        Assert.Equal("subject=CN=app,OU=Web,O=Example,C=US", output.Trim());
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    [InlineData("Ed25519")]
    public async Task Openssl_verifies_our_CSRs_and_reads_their_extensions(string algorithm)
    {
        using var key = TestKeys.Get(algorithm);
        using var openssl = new OpenSsl();
        openssl.Write("csr.pem", CsrBuilder.BuildPem(Everything, key));

        var (exitCode, output) = await openssl.Run("req", "-in", "csr.pem", "-verify", "-noout", "-text");

        Assert.True(exitCode == 0, output);
        Assert.Contains("verify OK", output);
        Assert.Contains("DNS:*.app.example.com", output);
        Assert.Contains("IP Address:FD00:0:0:0:0:0:0:1", output);
        Assert.Contains("URI:spiffe://cluster.local/ns/default/sa/app", output);
        Assert.Contains("email:ops@example.com", output);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", output);
        Assert.Contains("X509v3 Key Usage: critical", output);
        Assert.Contains("X509v3 Basic Constraints: critical", output);
    }

    [Fact]
    public async Task The_SAN_extension_is_critical_when_the_subject_is_empty()
    {
        using var key = TestKeys.Ecdsa();
        using var openssl = new OpenSsl();
        openssl.Write("csr.pem", CsrBuilder.BuildPem(new CertificateTemplate { DnsNames = ["app.example.com"] }, key));

        var (_, output) = await openssl.Run("req", "-in", "csr.pem", "-noout", "-text");

        Assert.Contains("X509v3 Subject Alternative Name: critical", output);
    }

    [Fact]
    public async Task Parse_reads_a_CSR_made_by_openssl()
    {
        using var openssl = new OpenSsl();
        var (exitCode, output) = await openssl.Run(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "key.pem", "-out", "csr.pem",
            "-subj", "/C=US/O=Example/CN=openssl.example.com",
            "-addext", "subjectAltName=DNS:openssl.example.com,IP:192.0.2.7,URI:https://example.com/x,email:a@example.com",
            "-addext", "extendedKeyUsage=serverAuth");
        Assert.True(exitCode == 0, output);

        var csr = CsrBuilder.Parse(await openssl.ReadText("csr.pem"));

        Assert.Equal("CN=openssl.example.com,O=Example,C=US", csr.SubjectDN);
        Assert.Equal(["openssl.example.com"], csr.DnsNames);
        Assert.Equal(["192.0.2.7"], csr.IpAddresses);
        Assert.Equal(["https://example.com/x"], csr.Uris);
        Assert.Equal(["a@example.com"], csr.EmailAddresses);
        Assert.Equal(["server auth"], csr.RequestedUsages);
        Assert.Equal(("ECDSA", 384, "ECDSAWithSHA256"), (csr.PublicKeyAlgorithm, csr.KeySize, csr.SignatureAlgorithm));
    }

    [Theory]
    [InlineData("RSA", 2048, "SHA256WithRSA")]
    [InlineData("RSA", 3072, "SHA384WithRSA")]
    [InlineData("RSA", 4096, "SHA512WithRSA")]
    [InlineData("ECDSA", 256, "ECDSAWithSHA256")]
    [InlineData("ECDSA", 384, "ECDSAWithSHA384")]
    [InlineData("ECDSA", 521, "ECDSAWithSHA512")]
    [InlineData("Ed25519", 0, "PureEd25519")]
    public void The_default_signature_algorithm_follows_the_key(string algorithm, int size, string signatureAlgorithm)
    {
        using var key = TestKeys.Get(algorithm, size);

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "app" }, key));

        Assert.Equal(signatureAlgorithm, csr.SignatureAlgorithm);
    }

    [Theory]
    [InlineData("RSA", "SHA512WithRSA")]
    [InlineData("ECDSA", "ECDSAWithSHA384")]
    [InlineData("Ed25519", "PureEd25519")]
    public void An_explicit_signature_algorithm_that_fits_the_key_is_used(string algorithm, string signatureAlgorithm)
    {
        using var key = TestKeys.Get(algorithm);

        var csr = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "app", SignatureAlgorithm = signatureAlgorithm }, key));

        Assert.Equal(signatureAlgorithm, csr.SignatureAlgorithm);
    }

    [Theory]
    [InlineData("RSA", "ECDSAWithSHA256", "spec.signatureAlgorithm: ECDSAWithSHA256 cannot be used with a RSA key")]
    [InlineData("ECDSA", "PureEd25519", "spec.signatureAlgorithm: PureEd25519 cannot be used with a ECDSA key")]
    [InlineData("Ed25519", "SHA256WithRSA", "spec.signatureAlgorithm: SHA256WithRSA cannot be used with a Ed25519 key")]
    [InlineData("RSA", "MD5WithRSA", "spec.signatureAlgorithm: \"MD5WithRSA\" is not supported")]
    public void A_signature_algorithm_that_does_not_fit_the_key_is_refused(string algorithm, string signatureAlgorithm, string message)
    {
        using var key = TestKeys.Get(algorithm);

        var error = Assert.Throws<PkiException>(() =>
            CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "app", SignatureAlgorithm = signatureAlgorithm }, key));

        Assert.StartsWith(message, error.Message);
    }

    public static TheoryData<CertificateTemplate, string> InvalidTemplates => new()
    {
        { new CertificateTemplate(), "set at least one of spec.commonName" },
        { new CertificateTemplate { CommonName = new string('a', 65) }, "spec.commonName: 65 characters is more than the 64" },
        { new CertificateTemplate { CommonName = "a", LiteralSubject = "CN=a" }, "spec.literalSubject cannot be combined" },
        { new CertificateTemplate { LiteralSubject = "CN=a", Subject = new SubjectFields { Countries = ["US"] } }, "spec.literalSubject cannot be combined" },
        { new CertificateTemplate { LiteralSubject = "CN=a," }, "spec.literalSubject: \"CN=a,\" is not a valid RFC 4514" },
        { new CertificateTemplate { LiteralSubject = "FOO=bar" }, "attribute type \"FOO\" is unknown" },
        { new CertificateTemplate { LiteralSubject = "CN" }, "has no '='" },
        { new CertificateTemplate { LiteralSubject = "CN=a\\" }, "ends with a lone '\\'" },
        { new CertificateTemplate { LiteralSubject = "CN=#zz" }, "is not an even number of hex digits" },
        { new CertificateTemplate { LiteralSubject = "CN=\\FF\\FE" }, "not valid UTF-8" },
        { new CertificateTemplate { IpAddresses = ["1"] }, "spec.ipAddresses: \"1\" is not an IPv4 or IPv6 address" },
        { new CertificateTemplate { IpAddresses = ["300.1.1.1"] }, "spec.ipAddresses" },
        { new CertificateTemplate { Uris = ["not a uri"] }, "spec.uris: \"not a uri\"" },
        { new CertificateTemplate { DnsNames = ["bücher.example"] }, "spec.dnsNames: \"bücher.example\" must be a non-empty ASCII string; write internationalised names in punycode" },
        { new CertificateTemplate { EmailAddresses = ["nobody"] }, "spec.emailAddresses: \"nobody\" is not an email address" },
        { new CertificateTemplate { OtherNames = [("upn", "x")] }, "spec.otherNames: \"upn\" is not a dotted OID" },
        { new CertificateTemplate { CommonName = "a", Usages = ["server-auth"] }, "spec.usages: \"server-auth\" is not a cert-manager usage" },
        { new CertificateTemplate { CommonName = "a", NameConstraints = new NameConstraints() }, "spec.nameConstraints is only allowed on CA certificates" },
    };

    [Theory]
    [MemberData(nameof(InvalidTemplates))]
    public void BuildPem_names_the_spec_field_that_is_wrong(CertificateTemplate template, string message)
    {
        using var key = TestKeys.Ecdsa();

        var error = Assert.Throws<PkiException>(() => CsrBuilder.BuildPem(template, key));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Parse_refuses_a_CSR_whose_signature_does_not_verify()
    {
        using var key = TestKeys.Rsa();
        var der = CsrBuilder.Parse(CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "app" }, key)).Der;
        der[^5] ^= 0xFF; // inside the signature

        var error = Assert.Throws<PkiException>(() => CsrBuilder.Parse(PemBundle.Encode("CERTIFICATE REQUEST", der)));

        Assert.Contains("signature does not verify", error.Message);
    }

    [Fact]
    public void Parse_refuses_a_CSR_whose_content_was_altered()
    {
        using var key = TestKeys.Ed25519();
        var pem = CsrBuilder.BuildPem(new CertificateTemplate { CommonName = "good.example.com" }, key);
        var der = CsrBuilder.Parse(pem).Der;
        var at = der.AsSpan().IndexOf("good"u8);
        "evil"u8.CopyTo(der.AsSpan(at));

        var error = Assert.Throws<PkiException>(() => CsrBuilder.Parse(PemBundle.Encode("CERTIFICATE REQUEST", der)));

        Assert.Contains("signature does not verify", error.Message);
    }

    [Theory]
    [InlineData("", "no \"-----BEGIN CERTIFICATE REQUEST-----\" block found")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nAAECAwQ=\n-----END CERTIFICATE REQUEST-----\n", "its DER is corrupt")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n", "is malformed")]
    public void Parse_explains_garbage(string pem, string message)
    {
        var error = Assert.Throws<PkiException>(() => CsrBuilder.Parse(pem));

        Assert.Contains(message, error.Message);
    }
}
