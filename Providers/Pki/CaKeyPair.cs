namespace CertFleet.Providers.Pki;

/// <summary>
/// A CA issuer's signing certificate and key, from its Secret: <c>tls.crt</c> (the CA certificate, then any
/// issuers above it), <c>tls.key</c> and optionally <c>ca.crt</c> (used to reach the root when tls.crt stops short).
/// </summary>
public sealed record CaKeyPair : IDisposable
{
    private CaKeyPair(IReadOnlyList<CertificateInfo> chain, PrivateKey key)
    {
        Chain = chain;
        Key = key;
    }

    /// <summary>The certificate that signs: the first in tls.crt.</summary>
    public CertificateInfo Certificate => Chain[0];

    /// <summary>The signing certificate followed by each issuer up to the root-most one known.</summary>
    public IReadOnlyList<CertificateInfo> Chain { get; }

    public PrivateKey Key { get; }

    public static CaKeyPair FromPem(string tlsCrt, string tlsKey, string? caCrt = null) =>
        FromPem(tlsCrt, tlsKey, caCrt, DateTimeOffset.UtcNow);

    /// <summary>
    /// Validates that tls.crt starts with a CA certificate (basicConstraints CA:true, keyCertSign when KeyUsage is
    /// present) that is not expired at <paramref name="now"/>, that tls.key is its key, and that the certificates
    /// form a chain.
    /// </summary>
    public static CaKeyPair FromPem(string tlsCrt, string tlsKey, string? caCrt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tlsCrt);
        ArgumentNullException.ThrowIfNull(tlsKey);
        var chain = ParseCertificates(tlsCrt, "tls.crt");
        var ca = chain[0];
        if (!ca.IsCA)
        {
            throw new PkiException(
                $"tls.crt: \"{ca.SubjectDN}\" is not a CA certificate (basicConstraints CA:true is missing); issue it with isCA: true");
        }
        if (ca.HasKeyUsageExtension && !ca.HasKeyCertSignUsage)
        {
            throw new PkiException(
                $"tls.crt: \"{ca.SubjectDN}\" is not a CA certificate (its KeyUsage lacks cert sign); reissue it with the \"cert sign\" usage");
        }
        if (now > ca.NotAfter)
        {
            throw new PkiException(
                $"tls.crt: CA certificate \"{ca.SubjectDN}\" expired on {ca.NotAfter.UtcDateTime:R}; renew the CA and update the Secret");
        }
        for (var i = 1; i < chain.Count; i++)
        {
            if (!chain[i - 1].IsIssuedBy(chain[i]))
            {
                throw new PkiException(
                    $"tls.crt: certificate {i + 1} (\"{chain[i].SubjectDN}\") did not issue certificate {i} (\"{chain[i - 1].SubjectDN}\"); list the CA certificate first, then each issuer in turn");
            }
        }
        if (caCrt is not null && !chain[^1].IsSelfSigned)
        {
            ExtendToRoot(chain, ParseCertificates(caCrt, "ca.crt"));
        }

        PrivateKey key;
        try
        {
            key = PrivateKey.FromPem(tlsKey);
        }
        catch (PkiException e)
        {
            throw new PkiException("tls.key: " + e.Message, e);
        }
        if (!ca.MatchesKey(key))
        {
            key.Dispose();
            throw new PkiException($"tls.key: the private key does not match certificate \"{ca.SubjectDN}\" in tls.crt; store the pair together");
        }
        return new CaKeyPair(chain, key);
    }

    public void Dispose() => Key.Dispose();

    private static List<CertificateInfo> ParseCertificates(string pem, string what)
    {
        try
        {
            return PemBundle.Certificates(pem, what).Select(CertificateInfo.Parse).ToList();
        }
        catch (PkiException e) when (!e.Message.StartsWith(what, StringComparison.Ordinal))
        {
            throw new PkiException($"{what}: {e.Message}", e);
        }
    }

    // Follows issuers found in ca.crt until a self-signed root or a dead end.
    private static void ExtendToRoot(List<CertificateInfo> chain, List<CertificateInfo> candidates)
    {
        while (!chain[^1].IsSelfSigned && candidates.Find(c => chain[^1].IsIssuedBy(c)) is { } issuer
            && chain.TrueForAll(c => c.Sha256Fingerprint != issuer.Sha256Fingerprint))
        {
            chain.Add(issuer);
        }
    }
}
