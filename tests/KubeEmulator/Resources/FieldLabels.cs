using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>The field selector keys one kind supports and how each reads its value from an object.</summary>
internal sealed class FieldLabels
{
    private readonly Dictionary<string, Func<JsonObject, string>> _readers;

    private FieldLabels(Dictionary<string, Func<JsonObject, string>> readers) => _readers = readers;

    /// <summary>metadata.name (and metadata.namespace for namespaced kinds) plus <paramref name="extra"/>.</summary>
    public static FieldLabels Create(bool namespaced, params (string Label, Func<JsonObject, string?> Read)[] extra)
    {
        var readers = new Dictionary<string, Func<JsonObject, string>>(StringComparer.Ordinal)
        {
            ["metadata.name"] = obj => obj.StringAt("metadata", "name") ?? "",
        };
        if (namespaced)
        {
            readers["metadata.namespace"] = obj => obj.StringAt("metadata", "namespace") ?? "";
        }
        foreach (var (label, read) in extra)
        {
            readers[label] = obj => read(obj) ?? "";
        }
        return new FieldLabels(readers);
    }

    /// <summary>A reader for a dotted path of object keys, rendering scalars as Go's fmt would.</summary>
    public static (string, Func<JsonObject, string?>) Path(string label) =>
        (label, obj => Render(obj.At(label.Split('.'))));

    public bool Supports(string label) => _readers.ContainsKey(label);

    public string Read(JsonObject obj, string label) => _readers[label](obj);

    private static string? Render(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.AsString() is { } text => text,
        JsonValue value => JsonTree.ToText(value),
        _ => null,
    };
}
