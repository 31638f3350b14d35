using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>
/// An order. <see cref="Url"/> is where to poll it. Servers may reorder identifiers, so compare them as sets
/// (<see cref="HasIdentifiers"/>). <see cref="RetryAfter"/> is the clamped polling hint, null when absent.
/// </summary>
public sealed record AcmeOrder(
    string Url,
    string Status,
    DateTimeOffset? Expires,
    IReadOnlyList<AcmeIdentifier> Identifiers,
    IReadOnlyList<string> AuthorizationUrls,
    string FinalizeUrl,
    string? CertificateUrl,
    AcmeProblem? Error,
    TimeSpan? RetryAfter)
{
    public const string Pending = "pending";
    public const string Ready = "ready";
    public const string Processing = "processing";
    public const string Valid = "valid";
    public const string Invalid = "invalid";

    /// <summary>True when the order names exactly <paramref name="identifiers"/>, in any order and letter case.</summary>
    public bool HasIdentifiers(IEnumerable<AcmeIdentifier> identifiers) =>
        IdentifierSet(Identifiers).SetEquals(IdentifierSet(identifiers));

    internal static HashSet<string> IdentifierSet(IEnumerable<AcmeIdentifier> identifiers) =>
        identifiers.Select(i => i.Type + ":" + i.Value.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    internal static AcmeOrder FromJson(JsonElement json, string url, TimeSpan? retryAfter) => new(
        url,
        AcmeJson.RequiredString(json, "status", "order"),
        AcmeJson.Timestamp(json, "expires"),
        AcmeJson.Identifiers(json, "identifiers"),
        AcmeJson.Strings(json, "authorizations"),
        AcmeJson.RequiredString(json, "finalize", "order"),
        AcmeJson.String(json, "certificate"),
        AcmeJson.Problem(json, "error", 0),
        retryAfter);
}
