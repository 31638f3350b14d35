using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// Everything an Order or Challenge needs to talk to its issuer's ACME server. No secret material: the account key is
/// read from <see cref="AccountKeySecret"/> by the silo that uses it.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.AcmeIssuerContext")]
public sealed record AcmeIssuerContext
{
    [Id(0)] public required ObjectKey Issuer { get; init; }
    [Id(1)] public required string IssuerKind { get; init; }
    [Id(2)] public required AcmeIssuer Spec { get; init; }
    [Id(3)] public required string AccountUrl { get; init; }
    [Id(4)] public required ObjectKey AccountKeySecret { get; init; }
}

/// <summary>An ACME account's registration as the issuer reports it (reason ACMEAccountRegistered or ErrRegisterACMEAccount).</summary>
[GenerateSerializer, Immutable, Alias("certfleet.AcmeRegistration")]
public sealed record AcmeRegistration(
    [property: Id(0)] bool Registered,
    [property: Id(1)] string Reason,
    [property: Id(2)] string Message,
    [property: Id(3)] string? AccountUrl,
    [property: Id(4)] string? Email);

/// <summary>What a CertificateRequest asks of its Order: the CSR and the identifiers it names.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.OrderWork")]
public sealed record OrderWork
{
    [Id(0)] public required AcmeIssuerContext Issuer { get; init; }
    [Id(1)] public required ObjectKey Request { get; init; }
    [Id(2)] public required string RequestUid { get; init; }
    [Id(3)] public required string CsrPem { get; init; }
    [Id(4)] public IReadOnlyList<string> DnsNames { get; init; } = [];
    [Id(5)] public IReadOnlyList<string> IpAddresses { get; init; } = [];
    [Id(6)] public string? CommonName { get; init; }
    [Id(7)] public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    [Id(8)] public string? Duration { get; init; }
    /// <summary>CertFleet's spec.dnsPolicy of the Certificate: restricts solvers to http01 or dns01.</summary>
    [Id(9)] public string? DnsPolicy { get; init; }
    /// <summary>The request's HTTP-01 override annotations (ingress name or class, Gateway parentRef), set by the shims.</summary>
    [Id(10)] public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    /// <summary>ARI CertID of the certificate being renewed; sent as <c>replaces</c> when the directory has renewalInfo.</summary>
    [Id(11)] public string? Replaces { get; init; }
    /// <summary>The Certificate renews the identifier set it already holds: Let's Encrypt's new-order and registered-domain limits skip it.</summary>
    [Id(12)] public bool Renewal { get; init; }
}

/// <summary>What an Order asks of one Challenge.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.ChallengeWork")]
public sealed record ChallengeWork
{
    [Id(0)] public required AcmeIssuerContext Issuer { get; init; }
    [Id(1)] public required ObjectKey Order { get; init; }
    [Id(2)] public required string ChallengeUid { get; init; }
    [Id(3)] public required Challenge Resource { get; init; }
}
