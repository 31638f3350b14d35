using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>A challenge of an authorization; <see cref="Error"/> holds the CA's reason when validation failed.</summary>
public sealed record AcmeChallenge(string Type, string Url, string Token, string Status, DateTimeOffset? Validated, AcmeProblem? Error)
{
    public const string Http01 = "http-01";
    public const string Dns01 = "dns-01";
    public const string TlsAlpn01 = "tls-alpn-01";

    internal static AcmeChallenge FromJson(JsonElement json) => new(
        AcmeJson.RequiredString(json, "type", "challenge"),
        AcmeJson.RequiredString(json, "url", "challenge"),
        AcmeJson.String(json, "token") ?? "",
        AcmeJson.String(json, "status") ?? "pending",
        AcmeJson.Timestamp(json, "validated"),
        AcmeJson.Problem(json, "error", 0));
}
