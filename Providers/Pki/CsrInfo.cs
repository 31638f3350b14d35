using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>A parsed PKCS#10 request whose self-signature has been verified (see <see cref="CsrBuilder.Parse"/>).</summary>
public sealed record CsrInfo
{
    /// <summary>RFC 4514 subject, most specific first, as Go prints it ("CN=app,O=Example").</summary>
    public required string SubjectDN { get; init; }

    public string? CommonName { get; init; }

    public required SubjectFields Subject { get; init; }

    /// <summary>The subject Name as DER, copied verbatim into certificates.</summary>
    public required byte[] RawSubject { get; init; }

    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<string> IpAddresses { get; init; } = [];

    public IReadOnlyList<string> Uris { get; init; } = [];

    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    public IReadOnlyList<(string Oid, string Utf8Value)> OtherNames { get; init; } = [];

    /// <summary>cert-manager usage names from the KeyUsage/ExtendedKeyUsage request; null when the CSR asks for none.</summary>
    public IReadOnlyList<string>? RequestedUsages { get; init; }

    /// <summary>basicConstraints cA from the request; null when the CSR carries no basicConstraints.</summary>
    public bool? RequestedIsCA { get; init; }

    /// <summary>"RSA", "ECDSA" or "Ed25519".</summary>
    public required string PublicKeyAlgorithm { get; init; }

    public required int KeySize { get; init; }

    public required byte[] SubjectPublicKeyInfo { get; init; }

    /// <summary>cert-manager's name for the algorithm that signed the CSR, e.g. "SHA256WithRSA".</summary>
    public required string SignatureAlgorithm { get; init; }

    public required byte[] Der { get; init; }

    public string ToPem() => PemBundle.Encode(PemBundle.CertificateRequestLabel, Der);

    internal X509Extension? SubjectAltNameExtension { get; init; }

    internal X509Extension? NameConstraintsExtension { get; init; }
}
