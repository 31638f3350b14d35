using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Acme;

/// <summary>
/// A downloaded chain: <see cref="Pem"/> is the leaf first, then its issuers (at least one certificate).
/// <see cref="AlternateUrls"/> are the other chains the CA offered for the same certificate.
/// </summary>
public sealed record AcmeCertificateChain(string Pem, IReadOnlyList<string> AlternateUrls)
{
    private string? _issuerCommonName;

    /// <summary>
    /// The issuer CN of the top certificate, which cert-manager's <c>preferredChain</c> matches. Read when first asked:
    /// only a preferred chain needs it, and loading the certificate is most of a download's CPU.
    /// </summary>
    public string IssuerCommonName => _issuerCommonName ??= TopIssuerCommonName(Pem);

    private static string TopIssuerCommonName(string pem)
    {
        using var top = X509CertificateLoader.LoadCertificate(PemBundle.Certificates(pem, "ACME certificate chain")[^1]);
        return top.GetNameInfo(X509NameType.SimpleName, forIssuer: true);
    }
}
