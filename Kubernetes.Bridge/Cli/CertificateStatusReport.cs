namespace CertFleet.Kubernetes.Bridge.Cli;

// The documents `status certificate -o json` prints. Field names and nesting are the CLI's stable output: add fields,
// never rename or remove them.

/// <summary>Everything `status certificate` found about one Certificate and the objects issuing it.</summary>
public sealed record CertificateStatusReport
{
    public string ApiVersion { get; init; } = "certfleet.io/v1";
    public string Kind { get; init; } = "CertificateStatus";
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public long? Generation { get; init; }
    public required IReadOnlyList<ConditionReport> Conditions { get; init; }
    public string? CommonName { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? NotAfter { get; init; }
    public DateTimeOffset? RenewalTime { get; init; }
    public int? Revision { get; init; }
    public int? FailedIssuanceAttempts { get; init; }
    public DateTimeOffset? LastFailureTime { get; init; }
    /// <summary>Set when a condition says issuance waits on a rate-limit budget; the condition's message verbatim.</summary>
    public RateLimitReport? RateLimit { get; init; }
    public required IReadOnlyList<EventReport> Events { get; init; }
    public required IssuerReport Issuer { get; init; }
    public required SecretStatusReport Secret { get; init; }
    public CertificateRequestReport? CertificateRequest { get; init; }
    public OrderReport? Order { get; init; }
    public IReadOnlyList<ChallengeReport> Challenges { get; init; } = [];
}

public sealed record ConditionReport(
    string Type, string Status, string? Reason, string? Message, DateTimeOffset? LastTransitionTime);

public sealed record EventReport(
    string Type, string Reason, string Message, int Count, DateTimeOffset? LastSeen, string? Source);

public sealed record RateLimitReport(string Condition, string Message);

public sealed record IssuerReport
{
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public required string Group { get; init; }
    /// <summary>False when the issuer object does not exist; null for issuers of other API groups (not read).</summary>
    public bool? Found { get; init; }
    public IReadOnlyList<ConditionReport> Conditions { get; init; } = [];
    public IReadOnlyList<EventReport> Events { get; init; } = [];
}

public sealed record SecretStatusReport
{
    public required string Name { get; init; }
    public required bool Found { get; init; }
    public CertificateSummary? Certificate { get; init; }
    /// <summary>Why the Secret's tls.crt could not be read, when it could not.</summary>
    public string? Error { get; init; }
}

public sealed record CertificateSummary
{
    public required string Subject { get; init; }
    public required string Issuer { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public required string SerialNumber { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
}

public sealed record CertificateRequestReport
{
    public required string Name { get; init; }
    public int? Revision { get; init; }
    public required IReadOnlyList<ConditionReport> Conditions { get; init; }
    public DateTimeOffset? FailureTime { get; init; }
    public required IReadOnlyList<EventReport> Events { get; init; }
}

public sealed record OrderReport
{
    public required string Name { get; init; }
    public string? State { get; init; }
    public string? Url { get; init; }
    public string? Reason { get; init; }
    public required IReadOnlyList<AuthorizationReport> Authorizations { get; init; }
    public required IReadOnlyList<EventReport> Events { get; init; }
}

public sealed record AuthorizationReport(
    string Url, string? Identifier, bool Wildcard, string? InitialState, IReadOnlyList<AuthorizationChallengeReport> Challenges);

public sealed record AuthorizationChallengeReport(string Type, string Token, string Url);

public sealed record ChallengeReport
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string DnsName { get; init; }
    public bool Wildcard { get; init; }
    public required string Token { get; init; }
    public required string Key { get; init; }
    public required string Url { get; init; }
    public string? State { get; init; }
    public string? Reason { get; init; }
    public bool Processing { get; init; }
    public bool Presented { get; init; }
    public required IReadOnlyList<EventReport> Events { get; init; }
}
