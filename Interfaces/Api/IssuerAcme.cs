using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

[GenerateSerializer, Alias("certfleet.api.AcmeIssuer")]
public sealed record AcmeIssuer
{
    [Id(0), Required, Description("URL of the ACME server's directory.")]
    public string Server { get; init; } = "";

    [Id(1), Description("Contact email registered with the account.")]
    public string? Email { get; init; }

    [Id(2), Required, Description("Secret entry holding the account private key (tls.key by default); generated when missing unless disableAccountKeyGeneration is set.")]
    public SecretKeySelector PrivateKeySecretRef { get; init; } = new();

    [Id(3), MaxLength(64), Description("Common name of the root to prefer when the server offers alternative chains.")]
    public string? PreferredChain { get; init; }

    [Id(4), Description("PEM bundle (base64 in JSON) of CAs trusted for the ACME server's TLS certificate; excludes skipTLSVerify.")]
    public byte[]? CaBundle { get; init; }

    [Id(5), JsonPropertyName("skipTLSVerify"), Description("Do not verify the ACME server's TLS certificate. Insecure; for testing only.")]
    public bool? SkipTlsVerify { get; init; }

    [Id(6), Description("External account binding for servers that require one.")]
    public AcmeExternalAccountBinding? ExternalAccountBinding { get; init; }

    [Id(7), Description("Never generate an account key; wait for the Secret to exist.")]
    public bool? DisableAccountKeyGeneration { get; init; }

    [Id(8), Description("Send the Certificate's duration as the order's notAfter.")]
    public bool? EnableDurationFeature { get; init; }

    [Id(9), Description("Certificate profile to request, from those the server advertises.")]
    public string? Profile { get; init; }

    [Id(10), Enum(AcmeRenewalInformationSources.Ari, AcmeRenewalInformationSources.None),
     Description("Where renewal timing comes from: ARI asks the server (RFC 9773), None uses only the Certificate's settings.")]
    public string? RenewalInformationSource { get; init; }

    [Id(11), Description("How to solve challenges; the best-matching solver is chosen per identifier.")]
    public List<AcmeChallengeSolver>? Solvers { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeExternalAccountBinding")]
public sealed record AcmeExternalAccountBinding
{
    [Id(0), Required, JsonPropertyName("keyID"), Description("Key identifier issued by the CA.")]
    public string KeyId { get; init; } = "";

    [Id(1), Required, Description("Secret entry holding the base64url MAC key issued by the CA.")]
    public SecretKeySelector KeySecretRef { get; init; } = new();

    [Id(2), Enum("HS256", "HS384", "HS512"), Description("Deprecated and ignored: the MAC algorithm is always HS256.")]
    public string? KeyAlgorithm { get; init; }
}

/// <summary>One way of solving challenges; exactly one of http01 and dns01 is set.</summary>
[GenerateSerializer, Alias("certfleet.api.AcmeChallengeSolver")]
public sealed record AcmeChallengeSolver
{
    [Id(0), Description("Which identifiers this solver is for; a solver without a selector matches everything at the lowest priority.")]
    public AcmeSolverSelector? Selector { get; init; }

    [Id(1), Description("Solve with HTTP-01; cannot validate wildcard names.")]
    public AcmeHttp01Solver? Http01 { get; init; }

    [Id(2), Description("Solve with DNS-01.")]
    public AcmeDns01Solver? Dns01 { get; init; }

    [Id(3), Description("Skip the self-check: wait this Go duration after presenting, then ask the server to validate.")]
    public string? WaitInsteadOfSelfCheck { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeSolverSelector")]
public sealed record AcmeSolverSelector
{
    [Id(0), Description("Labels the Certificate (and so its Order) must carry.")]
    public Dictionary<string, string>? MatchLabels { get; init; }

    [Id(1), Description("Exact DNS names this solver handles; takes precedence over dnsZones.")]
    public List<string>? DnsNames { get; init; }

    [Id(2), Description("DNS zones whose names (and subdomains) this solver handles; the longest matching zone wins.")]
    public List<string>? DnsZones { get; init; }
}
