using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// Keeps a free-form JSON value (webhook solver config, Pod affinity, ...) as its raw text, so the record stays
/// a plain string for Orleans while Kubernetes sees the original JSON value.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value);
}
