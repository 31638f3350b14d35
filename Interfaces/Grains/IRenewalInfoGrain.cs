namespace CertFleet.Interfaces.Grains;

/// <summary>
/// ACME Renewal Information (RFC 9773) for one Certificate (key: the Certificate's grain key). Fetches the CA's
/// suggested window for the certificate now in the Secret, picks the renewal time inside it, re-asks at each
/// Retry-After (reminder) and tells the Certificate when the suggestion changes.
/// </summary>
[Alias("certfleet.IRenewalInfoGrain")]
public interface IRenewalInfoGrain : IGrainWithStringKey
{
    /// <summary>
    /// Follows <paramref name="certificate"/> from now on and returns the current suggestion, fetching it unless one
    /// for this certificate is still fresh. A suggestion without CertId means ARI does not apply.
    /// </summary>
    [Alias("Track")]
    Task<RenewalSuggestion> TrackAsync(AcmeIssuerContext issuer, TrackedCertificate certificate);

    /// <summary>The Certificate is gone: drop the reminder and the state.</summary>
    [Alias("Stop")]
    Task StopAsync();
}

/// <summary>
/// What renewal information needs of the certificate in the Secret, taken from the leaf the Certificate parsed already
/// (not its PEM, to be parsed again).
/// </summary>
/// <param name="CertId">The ARI CertID; null when the certificate cannot be named, with the reason in <paramref name="CertIdError"/>.</param>
[GenerateSerializer, Immutable, Alias("certfleet.TrackedCertificate")]
public sealed record TrackedCertificate(
    [property: Id(0)] string SerialHex,
    [property: Id(1)] DateTimeOffset NotAfter,
    [property: Id(2)] string? CertId,
    [property: Id(3)] string? CertIdError);

/// <summary>What the CA suggests for one certificate, and the renewal time chosen from it.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.RenewalSuggestion")]
public sealed record RenewalSuggestion
{
    /// <summary>Serial (hex) of the certificate this is about; a suggestion for another certificate does not apply.</summary>
    [Id(0)] public required string SerialHex { get; init; }
    /// <summary>The ARI CertID, sent as newOrder's <c>replaces</c>; null when the issuer does not use ARI.</summary>
    [Id(1)] public string? CertId { get; init; }
    [Id(2)] public DateTimeOffset? WindowStart { get; init; }
    [Id(3)] public DateTimeOffset? WindowEnd { get; init; }
    [Id(4)] public string? ExplanationUrl { get; init; }
    /// <summary>A point inside the window, chosen once per certificate and window (status.renewalTime).</summary>
    [Id(5)] public DateTimeOffset? RenewalTime { get; init; }
    [Id(6)] public DateTimeOffset? LastChecked { get; init; }
    [Id(7)] public DateTimeOffset? NextCheck { get; init; }
    /// <summary>Why the last fetch failed; the previous window (if any) still applies.</summary>
    [Id(8)] public string? LastError { get; init; }
}
