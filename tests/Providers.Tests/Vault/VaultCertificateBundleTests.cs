using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Pki;
using CertFleet.Providers.Vault;

namespace CertFleet.Providers.Tests.Vault;

/// <summary>Vault's certificate, issuing_ca and ca_chain become tls.crt and ca.crt as cert-manager arranges them.</summary>
public sealed class VaultCertificateBundleTests
{
    private static (X509Certificate2 Certificate, ECDsa Key) Ca(string name, (X509Certificate2 Certificate, ECDsa Key)? issuer = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        var certificate = issuer is { } i
            ? request.Create(i.Certificate, now.AddMinutes(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key)
            : request.CreateSelfSigned(now.AddMinutes(-1), now.AddDays(2));
        return (certificate, key);
    }

    private static string Leaf((X509Certificate2 Certificate, ECDsa Key) issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf.example.com", key, HashAlgorithmName.SHA256);
        using var leaf = request.Create(issuer.Certificate, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
        return leaf.ExportCertificatePem();
    }

    private static IEnumerable<string> Subjects(string pem) => PemBundle.Certificates(pem, "pem").Select(d => CertificateInfo.Parse(d).SubjectDN);

    [Fact]
    public void A_chain_ending_below_the_root_keeps_its_top_CA_in_tls_crt_and_ca_crt()
    {
        var root = Ca("root");
        var intermediate = Ca("intermediate", root);

        var (chain, ca) = VaultCertificateBundle.Arrange(new VaultSignedCertificate(Leaf(intermediate), intermediate.Certificate.ExportCertificatePem(), []));

        Assert.Equal(["CN=leaf.example.com", "CN=intermediate"], Subjects(chain));
        Assert.Equal(["CN=intermediate"], Subjects(ca!));
    }

    [Fact]
    public void The_chain_is_put_in_order_from_the_leaf_up_whatever_order_Vault_sends()
    {
        var root = Ca("root");
        var intermediate = Ca("intermediate", root);

        var (chain, ca) = VaultCertificateBundle.Arrange(new VaultSignedCertificate(Leaf(intermediate), intermediate.Certificate.ExportCertificatePem(),
            [root.Certificate.ExportCertificatePem(), intermediate.Certificate.ExportCertificatePem()]));

        Assert.Equal(["CN=leaf.example.com", "CN=intermediate"], Subjects(chain));
        Assert.Equal(["CN=root"], Subjects(ca!));
    }

    [Fact]
    public void A_certificate_that_belongs_to_no_chain_is_refused()
    {
        var root = Ca("root");
        var stranger = Ca("stranger");

        var error = Assert.Throws<PkiException>(() => VaultCertificateBundle.Arrange(new VaultSignedCertificate(Leaf(root), root.Certificate.ExportCertificatePem(),
            [stranger.Certificate.ExportCertificatePem()])));

        Assert.Equal("failed to parse certificate chain from vault: certificate chain is malformed or broken (\"CN=stranger\" is not above \"CN=root\")", error.Message);
    }
}
