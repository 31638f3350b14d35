using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The URLs a CA or SelfSigned issuer writes into every certificate it signs: <c>crlDistributionPoints</c>
/// (CRL distribution points extension), <c>ocspServers</c> and <c>issuingCertificateURLs</c> (authority information
/// access). SelfSigned issuers have only the first.
/// </summary>
public sealed record AuthorityUrls
{
    public static readonly AuthorityUrls None = new();

    public IReadOnlyList<string> CrlDistributionPoints { get; init; } = [];

    public IReadOnlyList<string> OcspServers { get; init; } = [];

    public IReadOnlyList<string> IssuingCertificateUrls { get; init; } = [];

    internal IEnumerable<X509Extension> ToExtensions()
    {
        if (CrlDistributionPoints.Count > 0)
        {
            yield return CrlDistributionPointsExtension(CrlDistributionPoints);
        }
        if (OcspServers.Count > 0 || IssuingCertificateUrls.Count > 0)
        {
            yield return new X509AuthorityInformationAccessExtension(OcspServers, IssuingCertificateUrls, critical: false);
        }
    }

    /// <summary>One DistributionPoint per URL, each naming it as its full name, as Go's x509 writes them.</summary>
    private static X509Extension CrlDistributionPointsExtension(IReadOnlyList<string> urls)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var url in urls)
            {
                using (writer.PushSequence())
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))) // distributionPoint
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))) // fullName
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, url, new Asn1Tag(TagClass.ContextSpecific, 6));
                }
            }
        }
        return new X509Extension(Oids.CrlDistributionPoints, writer.Encode(), critical: false);
    }
}
