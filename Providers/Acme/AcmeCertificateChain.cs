namespace CertFleet.Providers.Acme;

/// <summary>
/// A downloaded chain: <see cref="Pem"/> is the leaf first, then its issuers. <see cref="IssuerCommonName"/> is the
/// issuer CN of the top certificate, which cert-manager's <c>preferredChain</c> matches. <see cref="AlternateUrls"/>
/// are the other chains the CA offered for the same certificate.
/// </summary>
public sealed record AcmeCertificateChain(string Pem, string IssuerCommonName, IReadOnlyList<string> AlternateUrls);
