using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class KeystoresTests
{
    private const string Password = "s3cret-pass";

    [Theory]
    [InlineData("RSA", Pkcs12Profile.LegacyRC2, "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1")]
    [InlineData("ECDSA", Pkcs12Profile.LegacyDES, "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1")]
    [InlineData("ECDSA", Pkcs12Profile.Modern2023, "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", "MAC: sha256")]
    public async Task Pkcs12_keystores_open_in_openssl_with_the_key_and_the_whole_chain(
        string algorithm, Pkcs12Profile profile, string encryption, string mac)
    {
        var (key, issued) = IssueFromIntermediate(algorithm);
        using var _ = key;
        using var openssl = new OpenSsl();
        openssl.Write("keystore.p12", Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password, profile));

        var (exitCode, info) = await openssl.Run("pkcs12", "-info", "-in", "keystore.p12", "-passin", "pass:" + Password, "-nodes");
        await openssl.Run("pkcs12", "-in", "keystore.p12", "-passin", "pass:" + Password, "-nocerts", "-nodes", "-out", "key.pem");

        Assert.True(exitCode == 0, info);
        Assert.Contains(encryption, info);
        Assert.Contains(mac, info);
        Assert.Equal(3, CountOf(info, "-----BEGIN CERTIFICATE-----")); // leaf, intermediate, root
        using var extracted = PrivateKey.FromPem(await openssl.ReadText("key.pem"));
        Assert.Equal(key.SubjectPublicKeyInfo, extracted.SubjectPublicKeyInfo);
    }

    [Fact]
    public async Task A_pkcs12_keystore_does_not_open_with_another_password()
    {
        var (key, issued) = IssueFromIntermediate("ECDSA");
        using var _ = key;
        using var openssl = new OpenSsl();
        openssl.Write("keystore.p12", Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password));

        var (exitCode, output) = await openssl.Run("pkcs12", "-info", "-in", "keystore.p12", "-passin", "pass:wrong", "-nodes");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Mac verify error: invalid password?", output);
    }

    [Fact]
    public async Task A_self_signed_certificate_appears_once_in_the_pkcs12_keystore()
    {
        using var key = TestKeys.Rsa();
        var issued = CertificateSigner.SelfSign(TestCertificates.Request(TestCertificates.Leaf(), key), key, TestCertificates.Now);
        using var openssl = new OpenSsl();
        openssl.Write("keystore.p12", Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password));

        var (_, info) = await openssl.Run("pkcs12", "-info", "-in", "keystore.p12", "-passin", "pass:" + Password, "-nokeys");

        Assert.Equal(1, CountOf(info, "-----BEGIN CERTIFICATE-----"));
    }

    [Theory]
    [InlineData(Pkcs12Profile.LegacyRC2, "MAC: sha1")]
    [InlineData(Pkcs12Profile.Modern2023, "MAC: sha256")]
    public async Task A_pkcs12_truststore_holds_the_CA_trusted_for_Java_and_no_key(Pkcs12Profile profile, string mac)
    {
        var (key, issued) = IssueFromIntermediate("ECDSA");
        using var _ = key;
        using var tools = new OpenSsl();
        tools.Write("truststore.p12", Keystores.Pkcs12Truststore(issued.CaPem!, Password, profile));

        var (exitCode, info) = await tools.Run("pkcs12", "-info", "-in", "truststore.p12", "-passin", "pass:" + Password, "-nodes");
        var (wrongPasswordExitCode, _) = await tools.Run("pkcs12", "-info", "-in", "truststore.p12", "-passin", "pass:wrong", "-nodes");
        var (listed, listing) = await tools.Exec("keytool", "-list", "-keystore", "truststore.p12", "-storetype", "PKCS12", "-storepass", Password);

        Assert.True(exitCode == 0, info);
        Assert.Contains(mac, info);
        Assert.Equal(1, CountOf(info, "-----BEGIN CERTIFICATE-----"));
        Assert.Contains("subject=CN = CertFleet Test Root", info);
        Assert.DoesNotContain("PRIVATE KEY", info);
        Assert.NotEqual(0, wrongPasswordExitCode);
        Assert.True(listed == 0, listing);
        Assert.Contains("Your keystore contains 1 entry", listing);
        Assert.Matches(@"(?m)^cn=certfleet test root, .*, trustedCertEntry", listing);
    }

    [Fact]
    public async Task Keytool_lists_the_pkcs12_keystore()
    {
        var (key, issued) = IssueFromIntermediate("RSA");
        using var _ = key;
        using var keytool = new OpenSsl();
        keytool.Write("keystore.p12", Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password, Pkcs12Profile.Modern2023));

        var (exitCode, output) = await keytool.Exec("keytool", "-list", "-v", "-keystore", "keystore.p12", "-storetype", "PKCS12", "-storepass", Password);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Entry type: PrivateKeyEntry", output);
        Assert.Contains("Certificate chain length: 3", output);
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    [InlineData("Ed25519")]
    public async Task Keytool_opens_the_jks_keystore_and_recovers_the_key(string algorithm)
    {
        var (key, issued) = IssueFromIntermediate(algorithm);
        using var _ = key;
        using var keytool = new OpenSsl();
        keytool.Write("keystore.jks", Keystores.Jks(key, issued.ChainPem, issued.CaPem, Password, TestCertificates.Now, alias: "MyApp"));

        var (listed, listing) = await keytool.Exec("keytool", "-list", "-v", "-keystore", "keystore.jks", "-storetype", "JKS", "-storepass", Password);
        // Converting to PKCS#12 makes keytool decrypt the key with Sun's KeyProtector.
        var (converted, conversion) = await keytool.Exec("keytool", "-importkeystore", "-noprompt",
            "-srckeystore", "keystore.jks", "-srcstoretype", "JKS", "-srcstorepass", Password, "-srcalias", "myapp",
            "-destkeystore", "converted.p12", "-deststoretype", "PKCS12", "-deststorepass", Password);
        await keytool.Run("pkcs12", "-in", "converted.p12", "-passin", "pass:" + Password, "-nocerts", "-nodes", "-out", "key.pem");

        Assert.True(listed == 0, listing);
        Assert.Contains("Your keystore contains 2 entries", listing);
        Assert.Contains("Alias name: myapp", listing);
        Assert.Contains("Entry type: PrivateKeyEntry", listing);
        Assert.Contains("Certificate chain length: 2", listing);
        Assert.Contains("Alias name: ca\n", listing);
        Assert.Contains("Entry type: trustedCertEntry", listing);
        Assert.Contains("Creation date: Mar 1, 2026", listing);
        Assert.True(converted == 0, conversion);
        using var recovered = PrivateKey.FromPem(await keytool.ReadText("key.pem"));
        Assert.Equal(key.SubjectPublicKeyInfo, recovered.SubjectPublicKeyInfo);
    }

    [Fact]
    public async Task Keytool_lists_the_jks_truststore_and_refuses_a_wrong_password()
    {
        var (key, issued) = IssueFromIntermediate("ECDSA");
        using var _ = key;
        using var keytool = new OpenSsl();
        var bundle = PemBundle.Join([issued.CaPem!, PemBundle.Encode("CERTIFICATE", PemBundle.Certificates(issued.ChainPem, "chain")[1])]);
        keytool.Write("truststore.jks", Keystores.JksTruststore(bundle, Password, TestCertificates.Now));

        var (listed, listing) = await keytool.Exec("keytool", "-list", "-keystore", "truststore.jks", "-storetype", "JKS", "-storepass", Password);
        var (refused, refusal) = await keytool.Exec("keytool", "-list", "-keystore", "truststore.jks", "-storetype", "JKS", "-storepass", "wrong-pass");

        Assert.True(listed == 0, listing);
        Assert.Contains("Your keystore contains 2 entries", listing);
        Assert.Contains("ca, Mar 1, 2026, trustedCertEntry", listing);
        Assert.Contains("ca-1, Mar 1, 2026, trustedCertEntry", listing);
        Assert.NotEqual(0, refused);
        Assert.Contains("password was incorrect", refusal);
    }

    [Fact]
    public void Pkcs12_for_an_Ed25519_key_is_refused_with_a_way_out()
    {
        var (key, issued) = IssueFromIntermediate("Ed25519");
        using var _ = key;

        var error = Assert.Throws<PkiException>(() => Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password));

        Assert.Contains("not supported for Ed25519 keys; use an RSA or ECDSA key, or a JKS keystore", error.Message);
    }

    [Fact]
    public void A_key_that_does_not_match_the_leaf_is_refused()
    {
        var (key, issued) = IssueFromIntermediate("ECDSA");
        using var _ = key;
        using var otherKey = TestKeys.Ecdsa(384);

        Assert.Throws<PkiException>(() => Keystores.Pkcs12(otherKey, issued.ChainPem, issued.CaPem, Password));
        var error = Assert.Throws<PkiException>(() => Keystores.Jks(otherKey, issued.ChainPem, issued.CaPem, Password, TestCertificates.Now));
        Assert.Contains("the private key does not match the first certificate of tls.crt", error.Message);
    }

    [Theory]
    [InlineData(null, Pkcs12Profile.LegacyRC2)]
    [InlineData("", Pkcs12Profile.LegacyRC2)]
    [InlineData("LegacyRC2", Pkcs12Profile.LegacyRC2)]
    [InlineData("LegacyDES", Pkcs12Profile.LegacyDES)]
    [InlineData("Modern2023", Pkcs12Profile.Modern2023)]
    [InlineData("Modern2026", Pkcs12Profile.Modern2026)]
    public void Pkcs12_profiles_are_read_from_the_spec(string? text, Pkcs12Profile profile)
    {
        Assert.Equal(profile, Pkcs12Profiles.FromSpec(text));
    }

    [Fact]
    public void An_unknown_pkcs12_profile_names_the_field()
    {
        var error = Assert.Throws<PkiException>(() => Pkcs12Profiles.FromSpec("modern2023"));

        Assert.StartsWith("spec.keystores.pkcs12.profile: \"modern2023\" is not supported", error.Message);
    }

    /// <summary>
    /// Modern2026 as go-pkcs12 (cert-manager's library) writes it: key and certificates under PBES2 with PBKDF2-HMAC-SHA-256
    /// and AES-256-CBC, 2048 iterations, and a PBMAC1 MAC (PBKDF2-HMAC-SHA-256 key of 32 bytes, HMAC-SHA-256). OpenSSL
    /// verifies PBMAC1 only from 3.4, so here openssl decrypts with -nomacver and the MAC is checked from the file's own
    /// parameters.
    /// </summary>
    [Theory]
    [InlineData("keystore.p12", "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", 3)]
    [InlineData("truststore.p12", null, 1)]
    public async Task Modern2026_encrypts_with_PBES2_AES_256_and_seals_with_a_PBMAC1_MAC(string file, string? encryption, int certificates)
    {
        var (key, issued) = IssueFromIntermediate("ECDSA");
        using var _ = key;
        using var openssl = new OpenSsl();
        var pfx = file == "keystore.p12"
            ? Keystores.Pkcs12(key, issued.ChainPem, issued.CaPem, Password, Pkcs12Profile.Modern2026)
            : Keystores.Pkcs12Truststore(issued.CaPem!, Password, Pkcs12Profile.Modern2026);
        openssl.Write(file, pfx);

        var (exitCode, info) = await openssl.Run("pkcs12", "-info", "-nomacver", "-in", file, "-passin", "pass:" + Password, "-nodes");
        var (_, structure) = await openssl.Run("asn1parse", "-inform", "DER", "-in", file);

        Assert.True(exitCode == 0, info);
        if (encryption is not null)
            Assert.Contains(encryption, info);
        Assert.Equal(certificates, CountOf(info, "-----BEGIN CERTIFICATE-----"));
        Assert.Contains(":PBMAC1", structure);
        Assert.Contains(":PBKDF2", structure);
        Assert.Equal(2, CountOf(structure, ":hmacWithSHA256")); // PBMAC1's PRF and MAC (asn1parse does not open the encrypted bags)
        Assert.Equal(2048, Pbmac1.Iterations(pfx));
        Assert.True(Pbmac1.Verifies(pfx, Password));
        Assert.False(Pbmac1.Verifies(pfx, "wrong"));
    }

    /// <summary>A leaf of <paramref name="algorithm"/> issued by root → intermediate: tls.crt has 2 certificates, ca.crt the root.</summary>
    private static (PrivateKey Key, IssuedCertificate Issued) IssueFromIntermediate(string algorithm)
    {
        using var rootKey = TestKeys.Ecdsa(384);
        using var intermediateKey = TestKeys.Ecdsa();
        var (rootPem, rootKeyPem) = TestCertificates.Root(rootKey);
        using var root = CaKeyPair.FromPem(rootPem, rootKeyPem, null, TestCertificates.Now);
        var (intermediatePem, intermediateKeyPem) = TestCertificates.Intermediate(root, intermediateKey);
        using var intermediate = CaKeyPair.FromPem(intermediatePem, intermediateKeyPem, null, TestCertificates.Now);
        var key = TestKeys.Get(algorithm);
        return (key, CertificateSigner.SignWithCa(TestCertificates.Request(TestCertificates.Leaf(), key), intermediate, TestCertificates.Now));
    }

    private static int CountOf(string text, string value) => text.Split(value).Length - 1;
}
