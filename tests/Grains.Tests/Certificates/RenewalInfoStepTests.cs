using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Grains.Certificates;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>What renewal information is told of a certificate: taken from the parsed leaf, named by its ARI CertID when it can be.</summary>
public sealed class RenewalInfoStepTests
{
    private static readonly DateTimeOffset NotAfter = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ACertificateWithAnAuthorityKeyIdentifierIsNamedByItsCertId()
    {
        var der = Certificate(withAuthorityKeyIdentifier: true);
        var leaf = CertificateInfo.Parse(der);

        var tracked = RenewalInfoStep.Tracked(leaf);

        Assert.Equal(AcmeCertId.From(der), tracked.CertId);
        Assert.Null(tracked.CertIdError);
        Assert.Equal(leaf.SerialHex, tracked.SerialHex);
        Assert.Equal(NotAfter, tracked.NotAfter);
    }

    [Fact]
    public void ACertificateWithoutOneSaysWhyAriDoesNotApply()
    {
        var tracked = RenewalInfoStep.Tracked(CertificateInfo.Parse(Certificate(withAuthorityKeyIdentifier: false)));

        Assert.Null(tracked.CertId);
        Assert.Contains("Authority Key Identifier", tracked.CertIdError);
    }

    private static byte[] Certificate(bool withAuthorityKeyIdentifier)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=web.example.test", key, HashAlgorithmName.SHA256);
        if (withAuthorityKeyIdentifier)
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier([1, 2, 3, 4]));
        using var certificate = request.CreateSelfSigned(NotAfter.AddDays(-90), NotAfter);
        return certificate.RawData;
    }
}
