using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// Turns a verified CSR into a certificate, as cert-manager's selfSigned and ca issuers do.
/// </summary>
public static class CertificateSigner
{
    private const int SerialNumberBytes = 16;

    /// <summary>Whether <paramref name="key"/> is the private key of the CSR's public key (what a SelfSigned issuer signs with).</summary>
    public static bool KeyMatchesCsr(CsrInfo csr, PrivateKey key) =>
        SubjectPublicKey.Parse(csr.SubjectPublicKeyInfo, "CSR").SameKeyAs(SubjectPublicKey.Parse(key.SubjectPublicKeyInfo, "private key"));

    /// <summary>
    /// Signs the request with <paramref name="key"/>, which must be the CSR's own key. The certificate is its own
    /// issuer, so it is both <c>tls.crt</c> and <c>ca.crt</c>; it is signed with the CSR's signature algorithm.
    /// </summary>
    public static IssuedCertificate SelfSign(SigningRequest request, PrivateKey key, DateTimeOffset now, AuthorityUrls? urls = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var csr = CsrBuilder.AsVerified(request.Csr);
        if (!KeyMatchesCsr(csr, key))
        {
            throw new PkiException(
                "selfSigned: the private key does not match the CSR's public key; the CSR must be signed with the key referenced by the cert-manager.io/private-key-secret-name annotation");
        }
        var signatureAlgorithm = SignatureAlgorithm.For(key.Algorithm, key.Size, csr.SignatureAlgorithm);
        var certificate = Sign(request, csr, csr.RawSubject, key, signatureAlgorithm, authorityKeyIdentifier: null, urls ?? AuthorityUrls.None, now);
        var pem = PemBundle.Encode(PemBundle.CertificateLabel, certificate);
        return new IssuedCertificate(pem, pem, certificate);
    }

    /// <summary>
    /// Signs the request with the CA's key. <c>tls.crt</c> is the leaf plus the CA chain without a self-signed root;
    /// <c>ca.crt</c> is the root-most certificate of the CA chain. The CA signs with cert-manager's default
    /// algorithm for its own key.
    /// </summary>
    public static IssuedCertificate SignWithCa(SigningRequest request, CaKeyPair ca, DateTimeOffset now, AuthorityUrls? urls = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ca);
        var csr = CsrBuilder.AsVerified(request.Csr);
        if (now > ca.Certificate.NotAfter)
        {
            throw new PkiException(
                $"ca: CA certificate \"{ca.Certificate.SubjectDN}\" expired on {ca.Certificate.NotAfter.UtcDateTime:R}; renew the CA and update the Secret");
        }
        var signatureAlgorithm = SignatureAlgorithm.For(ca.Key.Algorithm, ca.Key.Size, requested: null);
        var authorityKeyIdentifier = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ca.Certificate.SubjectKeyIdentifier);
        var leaf = Sign(request, csr, ca.Certificate.RawSubject, ca.Key, signatureAlgorithm, authorityKeyIdentifier, urls ?? AuthorityUrls.None, now);

        var root = ca.Chain[^1];
        var intermediates = root.IsSelfSigned ? ca.Chain.Take(ca.Chain.Count - 1) : ca.Chain;
        var chainPem = PemBundle.Join([PemBundle.Encode(PemBundle.CertificateLabel, leaf), .. intermediates.Select(c => c.ToPem())]);
        return new IssuedCertificate(chainPem, root.ToPem(), leaf);
    }

    /// <summary>Why a CSR's basicConstraints disagree with the request's isCA, or null when they agree (or the CSR says nothing).</summary>
    public static string? IsCAMismatch(CsrInfo csr, bool isCA) =>
        csr.RequestedIsCA is { } requestedIsCA && requestedIsCA != isCA
            ? $"spec.isCA is {isCA.ToString().ToLowerInvariant()} but the CSR's basicConstraints request CA:{requestedIsCA.ToString().ToLowerInvariant()}; make them agree"
            : null;

    /// <returns>The certificate's DER.</returns>
    private static byte[] Sign(
        SigningRequest request,
        CsrInfo csr,
        byte[] issuerName,
        PrivateKey issuerKey,
        SignatureAlgorithm signatureAlgorithm,
        X509Extension? authorityKeyIdentifier,
        AuthorityUrls urls,
        DateTimeOffset now)
    {
        if (request.Duration < TimeSpan.Zero)
        {
            throw new PkiException($"spec.duration: {GoDuration.Format(request.Duration)} is negative; use a positive duration such as 2160h");
        }
        if (IsCAMismatch(csr, request.IsCA) is { } mismatch)
        {
            throw new PkiException(mismatch);
        }

        // Usages encoded in the CSR win; otherwise the CertificateRequest's spec.usages.
        var (keyUsage, extendedKeyUsages) = CertificateUsages.ToX509(csr.RequestedUsages ?? request.Usages, request.IsCA, "spec.usages");
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(csr.SubjectPublicKeyInfo, out _);
        var certificateRequest = new CertificateRequest(new X500DistinguishedName(csr.RawSubject), publicKey, signatureAlgorithm.Hash);
        var extensions = certificateRequest.CertificateExtensions;
        extensions.Add(X509ExtensionSet.BasicConstraints(request.IsCA));
        foreach (var extension in X509ExtensionSet.ForUsages(keyUsage, extendedKeyUsages))
        {
            extensions.Add(extension);
        }
        if (csr.SubjectAltNameExtension is { } alternativeNames)
        {
            var emptySubject = DistinguishedName.Decode(csr.RawSubject).IsEmpty;
            extensions.Add(new X509Extension(alternativeNames.Oid!, alternativeNames.RawData, alternativeNames.Critical || emptySubject));
        }
        extensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, critical: false));
        if (authorityKeyIdentifier is not null)
        {
            extensions.Add(authorityKeyIdentifier);
        }
        if (request.IsCA && csr.NameConstraintsExtension is { } nameConstraints)
        {
            extensions.Add(nameConstraints);
        }
        foreach (var extension in urls.ToExtensions())
        {
            extensions.Add(extension);
        }

        var notBefore = TruncateToSeconds(now);
        var notAfter = notBefore + (request.Duration == TimeSpan.Zero ? CertificateTemplate.DefaultDuration : request.Duration);
        using var certificate = certificateRequest.Create(
            new X500DistinguishedName(issuerName), issuerKey.CreateSignatureGenerator(), notBefore, notAfter, NewSerialNumber());
        return certificate.RawData;
    }

    /// <summary>128 random bits, never zero; the framework encodes it as a positive INTEGER.</summary>
    private static byte[] NewSerialNumber()
    {
        var serial = new byte[SerialNumberBytes];
        do
        {
            RandomNumberGenerator.Fill(serial);
        }
        while (serial.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        return serial;
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
