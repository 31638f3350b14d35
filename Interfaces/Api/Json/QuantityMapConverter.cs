using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// A map of Kubernetes quantities (<c>cpu: 100m</c>, <c>cpu: 1</c>): values arrive as strings or numbers and
/// are kept as their text.
/// </summary>
public sealed class QuantityMapConverter : JsonConverter<Dictionary<string, string>>
{
    public override Dictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("A quantity map must be an object.");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                _ => throw new JsonException($"Quantity '{key}' must be a string or a number."),
            };
        }
        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, quantity) in value)
            writer.WriteString(key, quantity);
        writer.WriteEndObject();
    }
}
