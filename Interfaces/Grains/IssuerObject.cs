using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>An Issuer or a ClusterIssuer: the two share spec and status and differ only in scope.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.IssuerObject")]
public sealed record IssuerObject
{
    [Id(0)] public required string Kind { get; init; }
    [Id(1)] public required ObjectMeta Metadata { get; init; }
    [Id(2)] public required IssuerSpec Spec { get; init; }
    [Id(3)] public IssuerStatus? Status { get; init; }

    public bool IsClusterIssuer => Kind == "ClusterIssuer";
}

/// <summary>Whether an issuer can sign now, with cert-manager's reason and message when it cannot.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.IssuerReadiness")]
public sealed record IssuerReadiness(
    [property: Id(0)] bool Exists,
    [property: Id(1)] bool Ready,
    [property: Id(2)] string Reason,
    [property: Id(3)] string Message,
    [property: Id(4)] string IssuerType);

/// <summary>
/// Everything one pass of a Certificate or CertificateRequest needs from its issuer, asked once per pass: readiness
/// (with the issuer's type), for a Ready ACME issuer what its Orders need, for a CA issuer where its signers load
/// the key pair from, and for a Vault issuer its configuration. Never key material.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.IssuerSnapshot")]
public sealed record IssuerSnapshot(
    [property: Id(0)] IssuerReadiness Readiness,
    [property: Id(1)] AcmeIssuerContext? Acme)
{
    /// <summary>CA issuers: the Secret holding the CA key pair.</summary>
    [Id(2)] public ObjectKey? CaSecret { get; init; }

    /// <summary>
    /// CA issuers: the resourceVersion of <see cref="CaSecret"/> the issuer last verified. A signer holding a key pair
    /// loaded from an older version loads it again.
    /// </summary>
    [Id(3)] public string? CaSecretVersion { get; init; }

    /// <summary>CA and SelfSigned issuers: <c>crlDistributionPoints</c> written into each certificate signed.</summary>
    [Id(10)] public IReadOnlyList<string> CrlDistributionPoints { get; init; } = [];

    /// <summary>CA issuers: <c>ocspServers</c> written into each certificate signed.</summary>
    [Id(11)] public IReadOnlyList<string> OcspServers { get; init; } = [];

    /// <summary>CA issuers: <c>issuingCertificateURLs</c> written into each certificate signed.</summary>
    [Id(12)] public IReadOnlyList<string> IssuingCertificateUrls { get; init; } = [];

    /// <summary>Vault issuers: the issuer's Vault configuration (references to Secrets, never their contents).</summary>
    [Id(4)] public VaultIssuer? Vault { get; init; }
}

/// <summary>What an issuer needs to sign: the CertificateRequest's spec and, for SelfSigned, where the key lives.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.SignRequest")]
public sealed record SignRequest
{
    [Id(0)] public required ObjectKey Request { get; init; }
    [Id(1)] public required string CsrPem { get; init; }
    [Id(2)] public required TimeSpan Duration { get; init; }
    [Id(3)] public bool IsCA { get; init; }
    [Id(4)] public IReadOnlyList<string> Usages { get; init; } = [];
    /// <summary>Secret holding the CSR's private key (annotation cert-manager.io/private-key-secret-name).</summary>
    [Id(5)] public ObjectKey? PrivateKeySecret { get; init; }
}

/// <summary>Where a CertificateRequest stands. The chain is public material; no private key is ever in here.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.RequestOutcome")]
public sealed record RequestOutcome
{
    [Id(0)] public required RequestState State { get; init; }
    [Id(1)] public string Reason { get; init; } = "";
    [Id(2)] public string Message { get; init; } = "";
    [Id(3)] public string? ChainPem { get; init; }
    [Id(4)] public string? CaPem { get; init; }
    [Id(5)] public DateTimeOffset? FailureTime { get; init; }
    /// <summary>The CA refused with 429 (rateLimited): ask again no sooner than this. Not a failed issuance.</summary>
    [Id(20)] public DateTimeOffset? RetryAt { get; init; }

    public bool IsFinal => State is RequestState.Issued or RequestState.Failed or RequestState.Denied;

    public static RequestOutcome Pending(string reason, string message) =>
        new() { State = RequestState.Pending, Reason = reason, Message = message };
}

[GenerateSerializer, Alias("certfleet.RequestState")]
public enum RequestState
{
    Pending = 0,
    Issued = 1,
    Failed = 2,
    Denied = 3,
}
