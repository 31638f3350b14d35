using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>
/// Lenient readers for ACME resource JSON: absent or mistyped optional members read as null; a missing required
/// member is a <see cref="JsonException"/>, which the client reports as a malformed reply.
/// </summary>
internal static class AcmeJson
{
    public static string? String(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static string RequiredString(JsonElement json, string name, string resource) =>
        String(json, name) ?? throw new JsonException($"the {resource} has no \"{name}\"");

    public static bool Boolean(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public static DateTimeOffset? Timestamp(JsonElement json, string name) =>
        String(json, name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    public static IReadOnlyList<string> Strings(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
            : [];

    public static AcmeIdentifier? Identifier(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object && String(json, "type") is { } type && String(json, "value") is { } value
            ? new AcmeIdentifier(type, value)
            : null;

    public static IReadOnlyList<AcmeIdentifier> Identifiers(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(Identifier).OfType<AcmeIdentifier>().ToArray()
            : [];

    public static AcmeProblem? Problem(JsonElement json, string name, int httpStatus) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? AcmeProblem.FromJson(value, httpStatus) : null;
}
