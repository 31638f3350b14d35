using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// Kubernetes <c>metav1.Time</c>: RFC 3339 in UTC with whole seconds (<c>2026-01-02T03:04:05Z</c>).
/// Reading accepts any RFC 3339 form, including fractional seconds and offsets.
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("A time must be a string.");
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            throw new JsonException($"'{text}' is not an RFC 3339 time.");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
