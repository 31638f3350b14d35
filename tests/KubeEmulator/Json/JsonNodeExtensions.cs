using System.Text.Json;
using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Json;

/// <summary>Short, null-tolerant reads of JSON trees.</summary>
internal static class JsonNodeExtensions
{
    /// <summary>The node at a dotted path of object keys, or null.</summary>
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
            {
                return null;
            }
        }
        return node;
    }

    public static string? StringAt(this JsonNode? node, params string[] path) => node.At(path).AsString();

    public static JsonObject? ObjectAt(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    public static JsonArray? ArrayAt(this JsonNode? node, params string[] path) => node.At(path) as JsonArray;

    /// <summary>The string value of a node, or null when it is missing or not a string.</summary>
    public static string? AsString(this JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static long? AsLong(this JsonNode? node) =>
        JsonTree.TryGetDecimal(node, out var number) && decimal.Truncate(number) == number &&
        number is >= long.MinValue and <= long.MaxValue
            ? (long)number
            : null;

    public static bool? AsBool(this JsonNode? node) => JsonTree.Kind(node) switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>The child object under key, created when missing or not an object.</summary>
    public static JsonObject EnsureObject(this JsonObject obj, string key)
    {
        if (obj[key] is JsonObject existing)
        {
            return existing;
        }
        var created = new JsonObject();
        obj[key] = created;
        return created;
    }

    /// <summary>The strings of an array node; other elements are skipped.</summary>
    public static List<string> Strings(this JsonNode? node)
    {
        var result = new List<string>();
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item.AsString() is { } text)
                {
                    result.Add(text);
                }
            }
        }
        return result;
    }

    public static JsonArray ToJsonArray(this IEnumerable<string> values) =>
        new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
