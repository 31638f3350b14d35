using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Json;

/// <summary>Parsing, writing and comparing JSON trees the way the emulator needs them.</summary>
internal static class JsonTree
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    /// <summary>Parses a request body; duplicate keys and bad syntax surface here, not later in a lazy read.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8)
    {
        var node = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
        Materialize(node);
        return node;
    }

    public static JsonNode? Parse(string text) => Parse(System.Text.Encoding.UTF8.GetBytes(text));

    public static byte[] ToBytes(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToText(JsonNode? node) =>
        node is null ? "null" : System.Text.Encoding.UTF8.GetString(ToBytes(node));

    /// <summary>
    /// JsonObject and JsonArray build their contents lazily on first access. Stored objects are read by many
    /// threads at once, so every node is built up front.
    /// </summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }
                break;
        }
    }

    /// <summary>Structural equality: key order is ignored and numbers compare by value.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return IsNull(a) && IsNull(b);
        }
        switch (a)
        {
            case JsonObject objA:
                if (b is not JsonObject objB || objA.Count != objB.Count)
                {
                    return false;
                }
                foreach (var (key, childA) in objA)
                {
                    if (!objB.TryGetPropertyValue(key, out var childB) || !DeepEquals(childA, childB))
                    {
                        return false;
                    }
                }
                return true;
            case JsonArray arrayA:
                if (b is not JsonArray arrayB || arrayA.Count != arrayB.Count)
                {
                    return false;
                }
                for (var i = 0; i < arrayA.Count; i++)
                {
                    if (!DeepEquals(arrayA[i], arrayB[i]))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return ValuesEqual(a.AsValue(), b);
        }
    }

    public static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;

    /// <summary>The JSON type name kube-openapi reports ("string", "integer", "number", ...).</summary>
    public static string TypeName(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsInteger(node!) ? "integer" : "number",
        _ => "null",
    };

    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    public static bool IsInteger(JsonNode node) =>
        TryGetDecimal(node, out var value) && decimal.Truncate(value) == value && !NumberText(node).Contains('.') &&
        !NumberText(node).Contains('e', StringComparison.OrdinalIgnoreCase);

    public static bool TryGetDecimal(JsonNode? node, out decimal value)
    {
        value = 0;
        return Kind(node) == JsonValueKind.Number &&
               decimal.TryParse(NumberText(node!), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static string NumberText(JsonNode node) => node.ToJsonString();

    private static bool ValuesEqual(JsonValue a, JsonNode b)
    {
        var kind = a.GetValueKind();
        if (b is not JsonValue valueB || valueB.GetValueKind() != kind)
        {
            return false;
        }
        return kind switch
        {
            JsonValueKind.String => a.GetValue<string>() == valueB.GetValue<string>(),
            JsonValueKind.Number => TryGetDecimal(a, out var x) && TryGetDecimal(valueB, out var y)
                ? x == y
                : NumberText(a) == NumberText(valueB),
            _ => true,
        };
    }
}
