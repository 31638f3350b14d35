using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace CertFleet.Cli.Tests;

/// <summary>Real ECDSA certificates made with the framework, to put in Secrets the CLI then reads.</summary>
public static class TestCertificates
{
    public sealed record Generated(string CertificatePem, string KeyPem, byte[] Der, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string SerialHex)
    {
        public V1Secret ToSecret(string name, Dictionary<string, string> annotations, string? caPem = null) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(CertificatePem),
                ["tls.key"] = Encoding.UTF8.GetBytes(KeyPem),
                ["ca.crt"] = Encoding.UTF8.GetBytes(caPem ?? CertificatePem),
            },
        };
    }

    public static Generated Generate(string dnsName, bool isCA, DateTimeOffset notBefore)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCA, false, 0, true));
        var serial = new byte[] { 0x42, 0x17, 0x01, 0x99 };
        var notAfter = notBefore.AddDays(90);
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), notBefore, notAfter, serial);
        return new Generated(certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", certificate.RawData,
            notBefore, notAfter, "42170199");
    }

    /// <summary>A PKCS#8 PEM of a fresh key that belongs to no certificate.</summary>
    public static string UnrelatedKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
