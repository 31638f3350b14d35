namespace CertFleet.Providers.Pki;

/// <summary>
/// cert-manager's temporary certificate (<c>cert-manager.io/issue-temporary-certificate</c>): the Certificate's own
/// names and key, signed by a one-use ECDSA P-521 CA called "cert-manager.local" whose key is discarded at once, so a
/// Secret can be served over TLS while the real issuer works. Nothing trusts it; it only has to parse and match the key.
/// </summary>
public static class TemporaryCertificateSigner
{
    /// <summary>Subject common name of the throwaway CA, and so the issuer of every temporary certificate.</summary>
    public const string AuthorityCommonName = "cert-manager.local";

    /// <summary>cert-manager adds this organizational unit to the temporary certificate's subject.</summary>
    public const string OrganizationalUnit = "cert-manager";

    /// <summary>
    /// The PEM of a leaf for <paramref name="template"/> (valid for its duration, as cert-manager does) and
    /// <paramref name="key"/>, issued by a fresh throwaway CA. The CA certificate is not returned: nothing should trust it.
    /// </summary>
    public static string SignPem(CertificateTemplate template, PrivateKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(key);
        using var authorityKey = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", 521, "PKCS8"));
        var authorityTemplate = new CertificateTemplate { CommonName = AuthorityCommonName, IsCA = true, Duration = template.Duration };
        var authority = CertificateSigner.SelfSign(Request(authorityTemplate, authorityKey), authorityKey, now);
        using var ca = CaKeyPair.FromPem(authority.ChainPem, authorityKey.ToPem("PKCS8"), null, now);

        // A literal subject is used as written; otherwise the subject gains cert-manager's marker unit.
        var leafTemplate = string.IsNullOrEmpty(template.LiteralSubject)
            ? template with { Subject = template.Subject with { OrganizationalUnits = [.. template.Subject.OrganizationalUnits, OrganizationalUnit] } }
            : template;
        return CertificateSigner.SignWithCa(Request(leafTemplate, key), ca, now).ChainPem;
    }

    /// <summary>Whether <paramref name="certificate"/> is such a placeholder (ours or cert-manager's), not an issued certificate.</summary>
    public static bool IsTemporary(CertificateInfo certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return !certificate.IsSelfSigned && certificate.IssuerDN == $"CN={AuthorityCommonName}";
    }

    private static SigningRequest Request(CertificateTemplate template, PrivateKey key) =>
        new(CsrBuilder.Parse(CsrBuilder.BuildPem(template, key)), template.Duration, template.IsCA, template.Usages);
}
