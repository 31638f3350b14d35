using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

public class PrivateKeyTests
{
    [Theory]
    [InlineData("RSA", 2048, "PKCS1", "RSA PRIVATE KEY")]
    [InlineData("RSA", 2048, "PKCS8", "PRIVATE KEY")]
    [InlineData("ECDSA", 256, "PKCS1", "EC PRIVATE KEY")]
    [InlineData("ECDSA", 256, "PKCS8", "PRIVATE KEY")]
    [InlineData("ECDSA", 384, "PKCS1", "EC PRIVATE KEY")]
    [InlineData("ECDSA", 384, "PKCS8", "PRIVATE KEY")]
    [InlineData("ECDSA", 521, "PKCS1", "EC PRIVATE KEY")]
    [InlineData("ECDSA", 521, "PKCS8", "PRIVATE KEY")]
    [InlineData("Ed25519", 256, "PKCS1", "PRIVATE KEY")]
    [InlineData("Ed25519", 256, "PKCS8", "PRIVATE KEY")]
    public void Generated_keys_round_trip_through_pem_and_der(string algorithm, int size, string encoding, string label)
    {
        var spec = KeySpec.FromCertificateSpec(algorithm, size, encoding);
        using var key = PrivateKey.Generate(spec);

        var pem = key.ToPem(encoding);
        using var fromPem = PrivateKey.FromPem(pem);
        using var fromDer = PrivateKey.FromPem(PemBundle.Encode("PRIVATE KEY", key.ToPkcs8Der()));

        Assert.StartsWith($"-----BEGIN {label}-----\n", pem);
        Assert.EndsWith($"-----END {label}-----\n", pem);
        Assert.Equal((algorithm, size), (key.Algorithm, key.Size));
        Assert.True(key.Satisfies(spec));
        foreach (var copy in new[] { fromPem, fromDer })
        {
            Assert.Equal((key.Algorithm, key.Size), (copy.Algorithm, copy.Size));
            Assert.Equal(key.SubjectPublicKeyInfo, copy.SubjectPublicKeyInfo);
        }
    }

    [Theory]
    [InlineData(3072)]
    [InlineData(4096)]
    public void Large_rsa_keys_report_their_size(int size)
    {
        using var key = TestKeys.Get(KeyAlgorithms.Rsa, size);

        Assert.Equal(size, key.Size);
        Assert.True(key.Satisfies(new KeySpec(KeyAlgorithms.Rsa, size, KeyEncodings.Pkcs1)));
    }

    [Fact]
    public void Satisfies_compares_algorithm_and_size_but_not_encoding()
    {
        using var rsa = TestKeys.Rsa();
        using var ed25519 = TestKeys.Ed25519();

        Assert.True(rsa.Satisfies(KeySpec.FromCertificateSpec("RSA", 2048, "PKCS8")));
        Assert.False(rsa.Satisfies(KeySpec.FromCertificateSpec("RSA", 3072, null)));
        Assert.False(rsa.Satisfies(KeySpec.FromCertificateSpec("ECDSA", 256, null)));
        Assert.True(ed25519.Satisfies(KeySpec.FromCertificateSpec("Ed25519", null, null)));
    }

    [Theory]
    [InlineData("genrsa -traditional -out key.pem 2048", "RSA", 2048, "RSA PRIVATE KEY")]
    [InlineData("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem", "RSA", 2048, "PRIVATE KEY")]
    [InlineData("ecparam -name prime256v1 -genkey -noout -out key.pem", "ECDSA", 256, "EC PRIVATE KEY")]
    [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out key.pem", "ECDSA", 384, "PRIVATE KEY")]
    [InlineData("ecparam -name secp521r1 -genkey -noout -out key.pem", "ECDSA", 521, "EC PRIVATE KEY")]
    [InlineData("genpkey -algorithm ed25519 -out key.pem", "Ed25519", 256, "PRIVATE KEY")]
    public async Task FromPem_reads_keys_openssl_writes(string command, string algorithm, int size, string label)
    {
        using var openssl = new OpenSsl();
        var (exitCode, output) = await openssl.Run(command.Split(' '));
        Assert.True(exitCode == 0, output);
        var pem = await openssl.ReadText("key.pem");
        await openssl.Run("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");

        using var key = PrivateKey.FromPem(pem);

        Assert.Contains($"-----BEGIN {label}-----", pem);
        Assert.Equal((algorithm, size), (key.Algorithm, key.Size));
        Assert.Equal(await openssl.ReadBytes("pub.der"), key.SubjectPublicKeyInfo);
    }

    [Theory]
    [InlineData("RSA", "PKCS1")]
    [InlineData("ECDSA", "PKCS1")]
    [InlineData("ECDSA", "PKCS8")]
    [InlineData("Ed25519", "PKCS8")]
    public async Task Openssl_reads_the_keys_we_write(string algorithm, string encoding)
    {
        using var key = TestKeys.Get(algorithm);
        using var openssl = new OpenSsl();
        openssl.Write("key.pem", key.ToPem(encoding));

        var (exitCode, output) = await openssl.Run("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");

        Assert.True(exitCode == 0, output);
        Assert.Equal(await openssl.ReadBytes("pub.der"), key.SubjectPublicKeyInfo);
    }

    [Fact]
    public void ToPem_rejects_an_unknown_encoding()
    {
        using var key = TestKeys.Ecdsa();

        var error = Assert.Throws<PkiException>(() => key.ToPem("PKCS12"));

        Assert.Contains("spec.privateKey.encoding", error.Message);
    }

    public static TheoryData<string, string> MalformedPems => new()
    {
        { "", "found no PEM block" },
        { "not a key at all", "found no PEM block" },
        { "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "found only \"CERTIFICATE\" blocks" },
        { "-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n", "is malformed" },
        { "-----BEGIN PRIVATE KEY-----\nMIIB\n", "is malformed" },
        { "-----BEGIN RSA PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END RSA PRIVATE KEY-----\n", "is not a valid key of that format" },
        { "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n", "is not a valid key of that format" },
        { "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n", "is not a valid key of that format" },
        { "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted PKCS#8 keys are not supported" },
        { "-----BEGIN OPENSSH PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END OPENSSH PRIVATE KEY-----\n", "\"OPENSSH PRIVATE KEY\" keys are not supported" },
    };

    [Theory]
    [MemberData(nameof(MalformedPems))]
    public void FromPem_explains_malformed_input(string pem, string message)
    {
        var error = Assert.Throws<PkiException>(() => PrivateKey.FromPem(pem));

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("genpkey -algorithm x25519 -out key.pem", "PKCS#8 key algorithm 1.3.101.110 is not supported")]
    [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out key.pem", "is not supported; use P-256, P-384 or P-521")]
    [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1 -out key.pem", "is not supported; use P-256, P-384 or P-521")]
    public async Task FromPem_refuses_keys_cert_manager_cannot_use(string command, string message)
    {
        using var openssl = new OpenSsl();
        var (exitCode, output) = await openssl.Run(command.Split(' '));
        Assert.True(exitCode == 0, output);
        var pem = await openssl.ReadText("key.pem");

        var error = Assert.Throws<PkiException>(() => PrivateKey.FromPem(pem));

        Assert.Contains(message, error.Message);
        Assert.DoesNotContain(pem.Split('\n')[1], error.Message);
    }
}
