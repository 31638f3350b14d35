namespace CertFleet.Providers.Pki;

/// <summary>
/// A signed certificate as it goes into CertificateRequest.status and the Secret: <see cref="ChainPem"/> is
/// <c>tls.crt</c> (leaf, then intermediates; a self-signed root is not included), <see cref="CaPem"/> is
/// <c>ca.crt</c> (the root-most CA certificate known).
/// </summary>
public sealed record IssuedCertificate(string ChainPem, string? CaPem, byte[] LeafDer)
{
    private CertificateInfo? _leaf;

    /// <summary>The leaf, parsed when first asked for: a signer that only hands the PEM on never pays for it.</summary>
    public CertificateInfo Leaf => _leaf ??= CertificateInfo.Parse(LeafDer);
}
