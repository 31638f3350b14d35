using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>
/// One node of a CRD version's openAPIV3Schema: the keywords apiextensions uses to prune, default and validate.
/// </summary>
internal sealed class StructuralSchema
{
    public string? Type { get; private init; }

    public bool Nullable { get; private init; }

    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; private init; } =
        new Dictionary<string, StructuralSchema>();

    /// <summary>The schema of map values (additionalProperties: {...}).</summary>
    public StructuralSchema? AdditionalProperties { get; private init; }

    /// <summary>additionalProperties: true — any extra key is kept.</summary>
    public bool AdditionalPropertiesAllowed { get; private init; }

    public StructuralSchema? Items { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    public IReadOnlyList<JsonNode?>? Enum { get; private init; }

    public decimal? Minimum { get; private init; }

    public decimal? Maximum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public decimal? MultipleOf { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MinProperties { get; private init; }

    public long? MaxProperties { get; private init; }

    public string? Pattern { get; private init; }

    public Regex? PatternRegex { get; private init; }

    public string? Format { get; private init; }

    public bool UniqueItems { get; private init; }

    public JsonNode? Default { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool IntOrString { get; private init; }

    public bool EmbeddedResource { get; private init; }

    /// <summary>x-kubernetes-list-type: atomic (the default), set or map.</summary>
    public string? ListType { get; private init; }

    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    public IReadOnlyList<StructuralSchema> AllOf { get; private init; } = [];

    public IReadOnlyList<StructuralSchema> AnyOf { get; private init; } = [];

    public IReadOnlyList<StructuralSchema> OneOf { get; private init; } = [];

    public StructuralSchema? Not { get; private init; }

    /// <summary>Reads a schema; keywords the emulator does not evaluate (x-kubernetes-validations, ...) are ignored.</summary>
    /// <exception cref="FormatException">A keyword has the wrong JSON type or the pattern does not compile.</exception>
    public static StructuralSchema Parse(JsonObject node, string path = "openAPIV3Schema")
    {
        var pattern = node["pattern"].AsString();
        Regex? regex = null;
        if (pattern is not null)
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{path}.pattern: Invalid value: {pattern}: {e.Message}", e);
            }
        }
        var additional = node["additionalProperties"];
        return new StructuralSchema
        {
            Type = node["type"].AsString(),
            Nullable = node["nullable"].AsBool() ?? false,
            Properties = (node["properties"] as JsonObject ?? [])
                .ToDictionary(p => p.Key, p => Parse(AsSchema(p.Value, $"{path}.properties[{p.Key}]"), $"{path}.properties[{p.Key}]")),
            AdditionalProperties = additional is JsonObject apSchema ? Parse(apSchema, $"{path}.additionalProperties") : null,
            AdditionalPropertiesAllowed = additional.AsBool() == true,
            Items = node["items"] is JsonObject items ? Parse(items, $"{path}.items") : null,
            Required = node["required"].Strings(),
            Enum = node["enum"] is JsonArray values ? values.Select(v => v?.DeepClone()).ToList() : null,
            Minimum = Number(node, "minimum"),
            Maximum = Number(node, "maximum"),
            ExclusiveMinimum = node["exclusiveMinimum"].AsBool() ?? false,
            ExclusiveMaximum = node["exclusiveMaximum"].AsBool() ?? false,
            MultipleOf = Number(node, "multipleOf"),
            MinLength = node["minLength"].AsLong(),
            MaxLength = node["maxLength"].AsLong(),
            MinItems = node["minItems"].AsLong(),
            MaxItems = node["maxItems"].AsLong(),
            MinProperties = node["minProperties"].AsLong(),
            MaxProperties = node["maxProperties"].AsLong(),
            Pattern = pattern,
            PatternRegex = regex,
            Format = node["format"].AsString(),
            UniqueItems = node["uniqueItems"].AsBool() ?? false,
            Default = node["default"]?.DeepClone(),
            PreserveUnknownFields = node["x-kubernetes-preserve-unknown-fields"].AsBool() ?? false,
            IntOrString = node["x-kubernetes-int-or-string"].AsBool() ?? false,
            EmbeddedResource = node["x-kubernetes-embedded-resource"].AsBool() ?? false,
            ListType = node["x-kubernetes-list-type"].AsString(),
            ListMapKeys = node["x-kubernetes-list-map-keys"].Strings(),
            AllOf = Branches(node, "allOf", path),
            AnyOf = Branches(node, "anyOf", path),
            OneOf = Branches(node, "oneOf", path),
            Not = node["not"] is JsonObject not ? Parse(not, $"{path}.not") : null,
        };
    }

    private static JsonObject AsSchema(JsonNode? node, string path) =>
        node as JsonObject ?? throw new FormatException($"{path}: Invalid value: must be a schema object");

    private static decimal? Number(JsonObject node, string key) =>
        node[key] is null ? null
        : JsonTree.TryGetDecimal(node[key], out var value) ? value
        : throw new FormatException($"{key} must be a number");

    private static IReadOnlyList<StructuralSchema> Branches(JsonObject node, string key, string path) =>
        node[key] is JsonArray branches
            ? branches.Select((b, i) => Parse(AsSchema(b, $"{path}.{key}[{i}]"), $"{path}.{key}[{i}]")).ToList()
            : [];

    /// <summary>Whether a JSON value's kind fits this schema's type (int-or-string and nullable included).</summary>
    public bool AcceptsKind(JsonNode? value)
    {
        if (JsonTree.IsNull(value))
        {
            return Nullable || Type is null;
        }
        if (IntOrString)
        {
            var kind = JsonTree.Kind(value);
            return kind == JsonValueKind.String || (kind == JsonValueKind.Number && JsonTree.IsInteger(value!));
        }
        return Type switch
        {
            null => true,
            "number" => JsonTree.Kind(value) == JsonValueKind.Number,
            _ => JsonTree.TypeName(value) == Type,
        };
    }
}
