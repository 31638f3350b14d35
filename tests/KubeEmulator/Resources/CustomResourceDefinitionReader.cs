using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Schema;
using CertFleet.KubeEmulator.Tables;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>Turns a CustomResourceDefinition object into the resource it serves.</summary>
internal static partial class CustomResourceDefinitionReader
{
    /// <exception cref="FormatException">A schema, printer column or selectable field cannot be used.</exception>
    public static ResourceType Read(JsonObject crd)
    {
        var spec = crd.ObjectAt("spec") ?? throw new FormatException("spec is required");
        var group = spec["group"].AsString() ?? "";
        var names = spec.ObjectAt("names") ?? [];
        var kind = names["kind"].AsString() ?? "";
        var namespaced = spec["scope"].AsString() != "Cluster";
        var versions = new List<ServedVersion>();
        ServedVersion? storage = null;
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var served = ReadVersion(group, version, namespaced);
            if (version["served"].AsBool() == true)
            {
                versions.Add(served);
            }
            if (version["storage"].AsBool() == true)
            {
                storage = served;
            }
        }
        versions.Sort((a, b) => CompareVersionPriority(a.Name, b.Name));
        var rootSchema = storage?.Schema;
        return new ResourceType
        {
            Group = group,
            Plural = names["plural"].AsString() ?? "",
            Singular = names["singular"].AsString() is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
            Kind = kind,
            ListKind = names["listKind"].AsString() is { Length: > 0 } listKind ? listKind : kind + "List",
            Namespaced = namespaced,
            ShortNames = names["shortNames"].Strings(),
            Categories = names["categories"].Strings(),
            Versions = versions,
            Storage = storage ?? versions.FirstOrDefault() ?? throw new FormatException("no served version"),
            Strategy = new CustomResourceStrategy(),
            Shapes = rootSchema is null ? BuiltInShapes.None : new SchemaShapes(rootSchema),
            IsCustomResource = true,
        };
    }

    public static ServedVersion ReadVersion(string group, JsonObject version, bool namespaced)
    {
        var name = version["name"].AsString() ?? "";
        var openApi = version.ObjectAt("schema", "openAPIV3Schema");
        var columns = (version["additionalPrinterColumns"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(c => (
                Name: c["name"].AsString() ?? "",
                Type: c["type"].AsString() ?? "string",
                Format: c["format"].AsString() ?? "",
                Description: c["description"].AsString(),
                Priority: (int)(c["priority"].AsLong() ?? 0),
                JsonPath: c["jsonPath"].AsString() ?? ""));
        var selectable = (version["selectableFields"] as JsonArray ?? [])
            .Select(f => f.StringAt("jsonPath"))
            .OfType<string>()
            .Select(path => (Label: path.TrimStart('.'), Path: KubectlJsonPath.Parse(path)))
            .Select(f => (f.Label, (Func<JsonObject, string?>)(obj => f.Path.Evaluate(obj) is [var first, ..] ? first.AsString() ?? JsonTree.ToText(first) : null)))
            .ToArray();
        return new ServedVersion
        {
            Name = name,
            ApiVersion = $"{group}/{name}",
            HasStatus = version.At("subresources", "status") is JsonObject,
            Schema = openApi is null ? null : StructuralSchema.Parse(openApi),
            OpenApiSchema = openApi,
            Table = new PrinterColumnTable(columns),
            FieldLabels = FieldLabels.Create(namespaced, selectable),
        };
    }

    /// <summary>Kubernetes version order: GA before beta before alpha, higher numbers first, others last by name.</summary>
    public static int CompareVersionPriority(string a, string b)
    {
        var (rankA, majorA, minorA) = Rank(a);
        var (rankB, majorB, minorB) = Rank(b);
        if (rankA != rankB)
        {
            return rankB.CompareTo(rankA);
        }
        if (rankA == 0)
        {
            return string.CompareOrdinal(a, b);
        }
        return majorA != majorB ? majorB.CompareTo(majorA) : minorB.CompareTo(minorA);
    }

    private static (int Rank, int Major, int Minor) Rank(string version)
    {
        var match = KubeVersionPattern().Match(version);
        if (!match.Success)
        {
            return (0, 0, 0);
        }
        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return match.Groups[2].Value switch
        {
            "beta" => (2, major, minor),
            "alpha" => (1, major, minor),
            _ => (3, major, 0),
        };
    }

    [GeneratedRegex(@"^v(\d+)(?:(alpha|beta)(\d+))?$")]
    private static partial Regex KubeVersionPattern();
}
