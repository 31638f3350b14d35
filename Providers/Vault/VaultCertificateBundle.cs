using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Vault;

/// <summary>
/// What cert-manager makes of Vault's answer: <c>certificate</c>, <c>issuing_ca</c> and <c>ca_chain</c> are put in one
/// chain from the leaf up (duplicates dropped). <c>tls.crt</c> gets the leaf and every CA above it except a self-signed
/// root; <c>ca.crt</c> gets the top of the chain (the root, or the highest CA Vault sent).
/// </summary>
public static class VaultCertificateBundle
{
    public static (string ChainPem, string? CaPem) Arrange(VaultSignedCertificate signed)
    {
        List<CertificateInfo> certificates;
        try
        {
            var leaf = PemBundle.Certificates(signed.CertificatePem, "data.certificate").Select(CertificateInfo.Parse).ToList();
            var above = signed.CaChainPem.Append(signed.IssuingCaPem ?? "").Where(p => p.Length > 0)
                .SelectMany(p => PemBundle.Certificates(p, "data.ca_chain")).Select(CertificateInfo.Parse);
            certificates = leaf.Concat(above).DistinctBy(c => c.Sha256Fingerprint).ToList();
        }
        catch (PkiException ex)
        {
            throw new PkiException($"failed to decode response returned by vault: {ex.Message}", ex);
        }
        var chain = new List<CertificateInfo> { certificates[0] };
        var rest = certificates.Skip(1).ToList();
        while (!chain[^1].IsSelfSigned && rest.Find(c => chain[^1].IsIssuedBy(c)) is { } issuer)
        {
            chain.Add(issuer);
            rest.Remove(issuer);
        }
        if (rest.Count > 0)
            throw new PkiException(
                $"failed to parse certificate chain from vault: certificate chain is malformed or broken (\"{rest[0].SubjectDN}\" is not above \"{chain[^1].SubjectDN}\")");
        var top = chain[^1];
        string Pem(IEnumerable<CertificateInfo> list) => string.Concat(list.Select(c => PemBundle.Encode(PemBundle.CertificateLabel, c.Der)));
        if (chain.Count == 1)
            return (Pem(chain), top.IsSelfSigned ? Pem(chain) : null);
        return (Pem(top.IsSelfSigned ? chain.Take(chain.Count - 1) : chain), Pem([top]));
    }
}
