namespace CertFleet.Providers.Pki;

/// <summary>One side (permitted or excluded) of <c>spec.nameConstraints</c>.</summary>
public sealed record NameConstraintItems
{
    public IReadOnlyList<string> DnsDomains { get; init; } = [];

    /// <summary>CIDR ranges, e.g. "10.0.0.0/8" or "fd00::/8".</summary>
    public IReadOnlyList<string> IpRanges { get; init; } = [];

    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    public IReadOnlyList<string> UriDomains { get; init; } = [];
}
