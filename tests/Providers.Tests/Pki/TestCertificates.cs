using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

/// <summary>Builds roots, intermediates and leaves with the code under test.</summary>
internal static class TestCertificates
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 30, 45, 678, TimeSpan.Zero);

    public static SigningRequest Request(CertificateTemplate template, PrivateKey key, TimeSpan? duration = null, IReadOnlyList<string>? usages = null) =>
        SigningRequest.FromPem(CsrBuilder.BuildPem(template, key), duration ?? template.Duration, template.IsCA, usages ?? template.Usages);

    /// <summary>A self-signed root CA as the selfSigned issuer makes it: tls.crt, tls.key.</summary>
    public static (string CertPem, string KeyPem) Root(PrivateKey key, string commonName = "CertFleet Test Root", TimeSpan? duration = null)
    {
        var template = new CertificateTemplate { CommonName = commonName, IsCA = true, Duration = duration ?? TimeSpan.FromDays(365) };
        var issued = CertificateSigner.SelfSign(Request(template, key), key, Now);
        return (issued.ChainPem, key.ToPem(KeyEncodings.Pkcs8));
    }

    /// <summary>An intermediate CA signed by <paramref name="parent"/>: tls.crt = intermediate + parent chain (root included).</summary>
    public static (string CertPem, string KeyPem) Intermediate(CaKeyPair parent, PrivateKey key, string commonName = "CertFleet Test Intermediate")
    {
        var template = new CertificateTemplate { CommonName = commonName, IsCA = true, Duration = TimeSpan.FromDays(180) };
        var issued = CertificateSigner.SignWithCa(Request(template, key), parent, Now);
        return (PemBundle.Join([issued.ChainPem, issued.CaPem!]), key.ToPem(KeyEncodings.Pkcs1));
    }

    public static CertificateTemplate Leaf(string commonName = "app.example.com") => new()
    {
        CommonName = commonName,
        DnsNames = [commonName, "www." + commonName],
        Usages = ["digital signature", "key encipherment", "server auth"],
        Duration = TimeSpan.FromHours(2160),
    };
}
