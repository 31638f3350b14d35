namespace CertFleet.Providers.Pki;

/// <summary>
/// The CertificateRequest.spec view a signer needs: the CSR, <c>duration</c> (zero → 2160h), <c>isCA</c> and
/// <c>usages</c> (used when the CSR requests none; empty → cert-manager's default).
/// </summary>
public sealed record SigningRequest(CsrInfo Csr, TimeSpan Duration, bool IsCA, IReadOnlyList<string> Usages)
{
    /// <summary>Parses and verifies <paramref name="csrPem"/> (CertificateRequest.spec.request).</summary>
    public static SigningRequest FromPem(string csrPem, TimeSpan duration, bool isCA, IReadOnlyList<string> usages) =>
        new(CsrBuilder.Parse(csrPem), duration, isCA, usages);
}
