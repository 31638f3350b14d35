using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.TestSupport;

/// <summary>A CA made for one test, written as PEM files into a directory, which signs server certificates for TLS fakes.</summary>
public sealed class ThrowawayCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private readonly string _directory;

    public ThrowawayCa(string directory)
    {
        _directory = directory;
        var request = new CertificateRequest("CN=CertFleet throwaway test CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // Outlives every certificate it issues (each valid for a day from its own issuance).
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        CaFile = Path.Combine(directory, "ca.pem");
        File.WriteAllText(CaFile, _certificate.ExportCertificatePem());
    }

    /// <summary>The CA certificate, PEM.</summary>
    public string CaFile { get; }

    /// <summary>Writes a server certificate for <paramref name="dnsName"/> and 127.0.0.1; returns the PEM files' paths.</summary>
    public (string CertificateFile, string KeyFile) IssueServerCertificate(string dnsName) => Issue(dnsName, ServerAuth);

    /// <summary>
    /// Writes a certificate usable at both ends of a mutual TLS connection (server and client authentication), as a
    /// silo's is; returns the PEM files' paths.
    /// </summary>
    public (string CertificateFile, string KeyFile) IssuePeerCertificate(string dnsName) => Issue(dnsName, ServerAuth, "1.3.6.1.5.5.7.3.2");

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    private (string CertificateFile, string KeyFile) Issue(string dnsName, params string[] usages)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages.Select(usage => new Oid(usage))], false));
        using var certificate = request.Create(_certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(16));
        var certificateFile = Path.Combine(_directory, $"{dnsName}.pem");
        var keyFile = Path.Combine(_directory, $"{dnsName}.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
