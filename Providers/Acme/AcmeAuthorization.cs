using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>
/// An authorization for one identifier. For <c>*.x</c> the identifier is <c>x</c> and <see cref="Wildcard"/> is set.
/// <see cref="RetryAfter"/> is the server's polling hint, clamped; null when it sent none (Pebble 2.4.0).
/// </summary>
public sealed record AcmeAuthorization(
    string Url,
    string Status,
    AcmeIdentifier Identifier,
    bool Wildcard,
    DateTimeOffset? Expires,
    IReadOnlyList<AcmeChallenge> Challenges,
    TimeSpan? RetryAfter)
{
    /// <summary>The first challenge that carries an error, the usual place for the CA's explanation of a failure.</summary>
    public AcmeProblem? Error => Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null);

    internal static AcmeAuthorization FromJson(JsonElement json, string url, TimeSpan? retryAfter) => new(
        url,
        AcmeJson.RequiredString(json, "status", "authorization"),
        json.TryGetProperty("identifier", out var identifier) && AcmeJson.Identifier(identifier) is { } parsed
            ? parsed
            : throw new JsonException("the authorization has no identifier"),
        AcmeJson.Boolean(json, "wildcard"),
        AcmeJson.Timestamp(json, "expires"),
        json.TryGetProperty("challenges", out var challenges) && challenges.ValueKind == JsonValueKind.Array
            ? challenges.EnumerateArray().Select(AcmeChallenge.FromJson).ToArray()
            : [],
        retryAfter);
}
