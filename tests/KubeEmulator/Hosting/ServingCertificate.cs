using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.KubeEmulator.Hosting;

/// <summary>
/// A throwaway CA and a serving certificate it signs for 127.0.0.1, ::1 and localhost. Clients trust the CA
/// through the kubeconfig's certificate-authority-data, as they would a cluster CA.
/// </summary>
internal sealed class ServingCertificate : IDisposable
{
    private ServingCertificate(X509Certificate2 serving, string caPem)
    {
        Serving = serving;
        CaPem = caPem;
    }

    /// <summary>The leaf certificate with its private key, for Kestrel.</summary>
    public X509Certificate2 Serving { get; }

    /// <summary>The CA certificate in PEM.</summary>
    public string CaPem { get; }

    public static ServingCertificate Create()
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = notBefore.AddYears(1);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=kube-emulator-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var servingRequest = new CertificateRequest("CN=kube-emulator", servingKey, HashAlgorithmName.SHA256);
        servingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        servingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        servingRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        servingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        servingRequest.CertificateExtensions.Add(names.Build());
        using var signed = servingRequest.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(servingKey);

        // A PKCS#12 round trip gives a certificate whose key TLS can use on every platform.
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new ServingCertificate(serving, ca.ExportCertificatePem());
    }

    public void Dispose() => Serving.Dispose();
}
