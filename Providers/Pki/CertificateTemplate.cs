namespace CertFleet.Providers.Pki;

/// <summary>What a Certificate spec asks for, as far as the CSR is concerned.</summary>
public sealed record CertificateTemplate
{
    /// <summary>cert-manager's default <c>spec.duration</c> (2160h, 90 days).</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(2160);

    /// <summary>At most 64 characters.</summary>
    public string? CommonName { get; init; }

    /// <summary>An RFC 4514 subject (most specific first, e.g. "CN=app,O=Example,C=US"); excludes CommonName and Subject.</summary>
    public string? LiteralSubject { get; init; }

    public SubjectFields Subject { get; init; } = SubjectFields.Empty;

    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<string> IpAddresses { get; init; } = [];

    public IReadOnlyList<string> Uris { get; init; } = [];

    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    public IReadOnlyList<(string Oid, string Utf8Value)> OtherNames { get; init; } = [];

    public bool IsCA { get; init; }

    /// <summary>cert-manager usage strings; empty means <see cref="CertificateUsages.Default"/>.</summary>
    public IReadOnlyList<string> Usages { get; init; } = [];

    public TimeSpan Duration { get; init; } = DefaultDuration;

    /// <summary>SHA256WithRSA … PureEd25519; null picks cert-manager's default for the key.</summary>
    public string? SignatureAlgorithm { get; init; }

    /// <summary>Whether the CSR carries KeyUsage, ExtendedKeyUsage and BasicConstraints (cert-manager default: true).</summary>
    public bool EncodeUsagesInRequest { get; init; } = true;

    /// <summary>Only for CA certificates (<see cref="IsCA"/>).</summary>
    public NameConstraints? NameConstraints { get; init; }
}
