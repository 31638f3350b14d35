using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

/// <summary>
/// Truncated and bit-flipped DER must give a PkiException (or, for a harmless flip, a result) — never another
/// exception type escaping into a grain.
/// </summary>
public class MalformedInputTests
{
    public static TheoryData<string, string> Inputs()
    {
        using var rsa = TestKeys.Rsa();
        using var ecdsa = TestKeys.Ecdsa();
        using var ed25519 = TestKeys.Ed25519();
        var issued = CertificateSigner.SelfSign(TestCertificates.Request(new CertificateTemplate
        {
            CommonName = "app",
            DnsNames = ["app.example.com"],
            IpAddresses = ["10.0.0.1"],
            OtherNames = [("1.2.3.4", "x")],
            IsCA = true,
        }, ecdsa), ecdsa, TestCertificates.Now);
        return new TheoryData<string, string>
        {
            { "key", rsa.ToPem(KeyEncodings.Pkcs1) },
            { "key", ecdsa.ToPem(KeyEncodings.Pkcs1) },
            { "key", ecdsa.ToPem(KeyEncodings.Pkcs8) },
            { "key", ed25519.ToPem(KeyEncodings.Pkcs8) },
            { "csr", CsrBuilder.BuildPem(TestCertificates.Leaf() with { OtherNames = [("1.2.3.4", "x")] }, ed25519) },
            { "csr", CsrBuilder.BuildPem(TestCertificates.Leaf(), rsa) },
            { "certificate", issued.ChainPem },
        };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Damaged_DER_gives_a_PkiException(string kind, string pem)
    {
        var block = PemBundle.Split(pem)[0];
        var random = new Random(block.Der.Length);
        var damaged = new List<byte[]>();
        for (var length = 0; length < block.Der.Length; length += 3)
        {
            damaged.Add(block.Der[..length]);
        }
        for (var i = 0; i < 300; i++)
        {
            var flipped = block.Der.ToArray();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            damaged.Add(flipped);
        }

        foreach (var der in damaged)
        {
            var input = PemBundle.Encode(block.Label, der);
            var error = Record.Exception(() => Parse(kind, input));
            Assert.True(error is null or PkiException, $"{kind} ({der.Length} bytes): {error}");
        }
    }

    private static void Parse(string kind, string pem)
    {
        switch (kind)
        {
            case "key":
                PrivateKey.FromPem(pem).Dispose();
                break;
            case "csr":
                CsrBuilder.Parse(pem);
                break;
            default:
                CertificateInfo.ParseFirst(pem);
                using (var key = TestKeys.Ecdsa())
                {
                    CaKeyPair.FromPem(pem, key.ToPem(KeyEncodings.Pkcs8), null, TestCertificates.Now).Dispose();
                }
                break;
        }
    }
}
