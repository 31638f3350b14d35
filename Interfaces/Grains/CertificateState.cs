using CertFleet.Interfaces.Api;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// The durable progress of one Certificate. Small on purpose (it is rewritten on every change) and free of secrets:
/// the next private key lives in a Secret, named by <see cref="NextPrivateKeySecretName"/>.
/// </summary>
[GenerateSerializer, Alias("certfleet.CertificateState")]
public sealed record CertificateState
{
    /// <summary>
    /// The Certificate object as last seen, without inline keystore passwords (spec.keystores.*.password) and without
    /// kubectl's last-applied-configuration annotation, which repeats them; null until the first sync or after deletion.
    /// </summary>
    [Id(0)] public Certificate? Object { get; set; }
    /// <summary>Revision of the certificate now in the Secret (status.revision).</summary>
    [Id(1)] public int? Revision { get; set; }
    [Id(2)] public IssuanceProgress? Issuance { get; set; }
    [Id(3)] public int FailedIssuanceAttempts { get; set; }
    [Id(4)] public DateTimeOffset? LastFailureTime { get; set; }
    [Id(5)] public string? LastFailureReason { get; set; }
    [Id(6)] public string? LastFailureMessage { get; set; }
    /// <summary>The request-shaping fields of the spec that the Secret's certificate was issued for.</summary>
    [Id(7)] public IssuedFor? IssuedFor { get; set; }
    /// <summary>resourceVersion of the Secret as this grain last wrote it: its own echo is not a change.</summary>
    [Id(8)] public string? SecretResourceVersion { get; set; }
    [Id(9)] public DateTimeOffset? NotBefore { get; set; }
    [Id(10)] public DateTimeOffset? NotAfter { get; set; }
    [Id(11)] public DateTimeOffset? RenewalTime { get; set; }
    /// <summary>When the reminder is due; kept to avoid re-registering an unchanged reminder.</summary>
    [Id(12)] public DateTimeOffset? WakeAt { get; set; }
    /// <summary>Set while another Certificate owns the Secret name.</summary>
    [Id(13)] public string? SecretOwnedBy { get; set; }
    [Id(14)] public bool Deleted { get; set; }
    /// <summary>The status this grain last wrote, so unchanged status is not written again.</summary>
    [Id(15)] public CertificateStatus? WrittenStatus { get; set; }
    /// <summary>What the last failed issuance was for: the failure backoff is skipped once the spec asks for something else.</summary>
    [Id(16)] public IssuedFor? FailedFor { get; set; }
    /// <summary>ARI for the certificate in the Secret (or, without CertId, the note that ARI does not apply to it).</summary>
    [Id(17)] public RenewalSuggestion? RenewalInfo { get; set; }
    /// <summary>
    /// Salted PBKDF2 fingerprint of the keystore passwords the Secret's keystores were last written with (never the
    /// passwords): a different password, or keystores added or removed, re-writes them without a new certificate.
    /// </summary>
    [Id(18)] public string? KeystoresWrittenWith { get; set; }
    /// <summary>resourceVersion of this grain's last status write: watch events at or below it are its own echo.</summary>
    [Id(19)] public string? StatusResourceVersion { get; set; }
    /// <summary>
    /// How far the issuance in flight got; <see cref="IssuanceStep.None"/> without one. State written before the step
    /// was recorded has None beside an issuance: <see cref="IssuanceSteps.Resume"/> derives it once on activation.
    /// </summary>
    [Id(20)] public IssuanceStep Step { get; set; }
    /// <summary>Set while a rate-limit budget or a CA's Retry-After holds the next order back.</summary>
    [Id(40)] public RateLimitWait? RateLimitWait { get; set; }
    /// <summary>The identifier-set grain (acme-host/identifier-set) this Certificate is recorded in, for duplicate detection.</summary>
    [Id(41)] public string? IdentifierSetKey { get; set; }
    /// <summary>Other Certificates asking the same ACME server for the same identifier set.</summary>
    [Id(42)] public List<ObjectKey> Duplicates { get; set; } = [];
    /// <summary>The issuerRef and identifiers <see cref="IdentifierSetKey"/> was worked out for: unchanged, it needs no issuer call.</summary>
    [Id(43)] public string? IdentifierSetFor { get; set; }
}

/// <summary>Where an issuance in flight stands, in the order of cert-manager's key manager, request manager and issuing.</summary>
[GenerateSerializer, Alias("certfleet.IssuanceStep")]
public enum IssuanceStep
{
    /// <summary>No issuance in flight.</summary>
    None = 0,
    /// <summary>The trigger fired: waiting for the issuer and the rate-limit budgets before a key is made.</summary>
    Started = 1,
    /// <summary>The next private key is in its Secret (<see cref="IssuanceProgress.NextPrivateKeySecretName"/>).</summary>
    KeyStored = 2,
    /// <summary>The CertificateRequest exists (<see cref="IssuanceProgress.RequestName"/>); its outcome is awaited.</summary>
    RequestCreated = 3,
    /// <summary>The request reached a final outcome: the issuing step stores or fails it.</summary>
    OutcomeKnown = 4,
}

/// <summary>The step of an issuance, and how state written before steps were recorded resumes.</summary>
public static class IssuanceSteps
{
    /// <summary>The step an issuance's recorded fields show (for state written before <see cref="CertificateState.Step"/> existed).</summary>
    public static IssuanceStep Of(IssuanceProgress? issuance) => issuance switch
    {
        null => IssuanceStep.None,
        { RequestName: not null, Outcome.IsFinal: true } => IssuanceStep.OutcomeKnown,
        { RequestName: not null } => IssuanceStep.RequestCreated,
        { NextPrivateKeySecretName: not null } => IssuanceStep.KeyStored,
        _ => IssuanceStep.Started,
    };

    /// <summary>Sets the step of state that has an issuance but no step recorded; true when it changed.</summary>
    public static bool Resume(CertificateState state)
    {
        if (state.Step != IssuanceStep.None || state.Issuance is null)
            return false;
        state.Step = Of(state.Issuance);
        return true;
    }
}

/// <summary>One issuance in flight: why it started and how far it got. Each step is idempotent.</summary>
[GenerateSerializer, Alias("certfleet.IssuanceProgress")]
public sealed record IssuanceProgress
{
    [Id(0)] public required int Revision { get; init; }
    [Id(1)] public required string Reason { get; init; }
    [Id(2)] public required string Message { get; init; }
    [Id(3)] public string? NextPrivateKeySecretName { get; set; }
    [Id(4)] public string? RequestName { get; set; }
    [Id(5)] public required IssuedFor For { get; init; }
    [Id(6)] public RequestOutcome? Outcome { get; set; }
    [Id(7)] public DateTimeOffset StartedAt { get; init; }
    /// <summary>The CSR sent in the CertificateRequest (public material), kept so a resumed issuance submits the same one.</summary>
    [Id(8)] public string? CsrPem { get; set; }
    /// <summary>uid of the created CertificateRequest; its Order is owned by it.</summary>
    [Id(9)] public string? RequestUid { get; set; }
    /// <summary>ARI CertID of the certificate this issuance renews (newOrder's <c>replaces</c>), fixed when it starts.</summary>
    [Id(10)] public string? Replaces { get; init; }
    /// <summary>
    /// Budget tokens an earlier version reserved for this issuance before ordering. No longer written: a stored one is
    /// given back once, then cleared (the Order now takes the new-order token, and issuance spends certificate tokens).
    /// </summary>
    [Id(20)] public BudgetReservation? Budgets { get; set; }
}

/// <summary>
/// The fields of a Certificate's spec that shape its request. When they differ from the spec, the certificate is
/// re-issued (cert-manager's RequestChanged), and <see cref="Differences"/> names the fields in the message.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.IssuedFor")]
public sealed record IssuedFor
{
    [Id(0)] public string? CommonName { get; init; }
    [Id(1)] public IReadOnlyList<string> DnsNames { get; init; } = [];
    [Id(2)] public IReadOnlyList<string> IpAddresses { get; init; } = [];
    [Id(3)] public IReadOnlyList<string> Uris { get; init; } = [];
    [Id(4)] public IReadOnlyList<string> EmailAddresses { get; init; } = [];
    [Id(5)] public string? Subject { get; init; }
    [Id(6)] public string Duration { get; init; } = "";
    [Id(7)] public bool IsCA { get; init; }
    [Id(8)] public IReadOnlyList<string> Usages { get; init; } = [];
    [Id(9)] public string KeyAlgorithm { get; init; } = "";
    [Id(10)] public int KeySize { get; init; }
    [Id(11)] public string IssuerName { get; init; } = "";
    [Id(12)] public string IssuerKind { get; init; } = "";
    [Id(13)] public string IssuerGroup { get; init; } = "";
    [Id(14)] public string? SignatureAlgorithm { get; init; }
    [Id(15)] public string? OtherNames { get; init; }
    [Id(16)] public string? LiteralSubject { get; init; }

    /// <summary>The spec field paths whose values differ, in spec order.</summary>
    public IReadOnlyList<string> Differences(IssuedFor other)
    {
        var fields = new List<string>();
        void Check(bool same, string field) { if (!same) fields.Add(field); }
        Check(CommonName == other.CommonName, "spec.commonName");
        Check(DnsNames.SequenceEqual(other.DnsNames), "spec.dnsNames");
        Check(IpAddresses.SequenceEqual(other.IpAddresses), "spec.ipAddresses");
        Check(Uris.SequenceEqual(other.Uris), "spec.uris");
        Check(EmailAddresses.SequenceEqual(other.EmailAddresses), "spec.emailAddresses");
        Check(OtherNames == other.OtherNames, "spec.otherNames");
        Check(Subject == other.Subject, "spec.subject");
        Check(LiteralSubject == other.LiteralSubject, "spec.literalSubject");
        Check(Duration == other.Duration, "spec.duration");
        Check(IsCA == other.IsCA, "spec.isCA");
        Check(Usages.SequenceEqual(other.Usages), "spec.usages");
        Check(KeyAlgorithm == other.KeyAlgorithm && KeySize == other.KeySize, "spec.privateKey");
        Check(SignatureAlgorithm == other.SignatureAlgorithm, "spec.signatureAlgorithm");
        Check(IssuerName == other.IssuerName && IssuerKind == other.IssuerKind && IssuerGroup == other.IssuerGroup,
            "spec.issuerRef");
        return fields;
    }
}

/// <summary>Why a Certificate waits before ordering: a budget that is spent, or a CA's Retry-After.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.RateLimitWait")]
public sealed record RateLimitWait(
    [property: Id(0)] string Limit,
    [property: Id(1)] string Key,
    [property: Id(2)] DateTimeOffset ReopensAt,
    [property: Id(3)] string? BlockedBy);

/// <summary>The budget tokens an issuance held under an earlier version (see <see cref="IssuanceProgress.Budgets"/>).</summary>
[GenerateSerializer, Immutable, Alias("certfleet.BudgetReservation")]
public sealed record BudgetReservation(
    [property: Id(0)] string Holder,
    [property: Id(1)] IReadOnlyList<string> BudgetGrainKeys);
