using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using CertFleet.Interfaces.Api;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Builds the JSON merge patch that makes an object's status equal to a status record. Merge patches keep whatever
/// they do not mention, so every field the record leaves out is sent as an explicit null, at every level of nested
/// objects; lists are replaced wholesale by merge patch semantics. Every status write goes through here, so this is
/// also where free text (condition messages, Order and Challenge reasons) is cut to <see cref="StatusText.MaxLength"/>.
/// </summary>
public static class StatusPatch
{
    public static string For<TStatus>(TStatus status) where TStatus : class
    {
        var options = ApiJson.Options;
        var node = JsonSerializer.SerializeToNode(status, options) as JsonObject
                   ?? throw new ArgumentException($"{typeof(TStatus).Name} does not serialize to a JSON object", nameof(status));
        ClearAbsentFields(node, options.GetTypeInfo(typeof(TStatus)), options);
        TruncateText(node);
        return new JsonObject { ["status"] = node }.ToJsonString();
    }

    /// <summary>Status fields holding free text that may come from a CA or a provider.</summary>
    private static readonly HashSet<string> TextFields = ["message", "reason", "lastError"];

    private static void TruncateText(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (TextFields.Contains(name) && value is JsonValue text && text.TryGetValue<string>(out var s) && s.Length > StatusText.MaxLength)
                        obj[name] = StatusText.Truncate(s);
                    else
                        TruncateText(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    TruncateText(item);
                break;
        }
    }

    private static void ClearAbsentFields(JsonObject node, JsonTypeInfo type, JsonSerializerOptions options)
    {
        // Dictionaries and values with their own converters have no fixed set of fields to clear.
        if (type.Kind != JsonTypeInfoKind.Object)
            return;
        foreach (var property in type.Properties)
        {
            if (!node.TryGetPropertyValue(property.Name, out var value))
                node[property.Name] = null;
            else if (value is JsonObject child)
                ClearAbsentFields(child, options.GetTypeInfo(property.PropertyType), options);
        }
    }
}
