using System.Reflection;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Api.Schema;
using YamlDotNet.RepresentationModel;

namespace CertFleet.CrdGenerator;

/// <summary>One generated CRD manifest: its file name under helm/certfleet/crds and its text.</summary>
public sealed record CrdFile(string FileName, string Text);

/// <summary>Turns every record marked [CustomResource] into an apiextensions.k8s.io/v1 CustomResourceDefinition.</summary>
public static class CustomResourceDefinitions
{
    public const string RegenerateCommand = "dotnet run --project tests/CrdGenerator -- helm/certfleet/crds";

    private const string Header =
        "# Generated from the records in Interfaces/Api by tests/CrdGenerator. Do not edit; regenerate with:\n" +
        "#   " + RegenerateCommand;

    /// <summary>All CRDs, ordered by file name.</summary>
    public static IReadOnlyList<CrdFile> Generate() =>
        typeof(Certificate).Assembly.GetTypes()
            .Select(type => (Type: type, Resource: type.GetCustomAttribute<CustomResourceAttribute>()))
            .Where(entry => entry.Resource is not null)
            .Select(entry => new CrdFile($"{entry.Resource!.Plural}.{entry.Resource.Group}.yaml",
                Yaml.Write(Build(entry.Type, entry.Resource), Header)))
            .OrderBy(file => file.FileName, StringComparer.Ordinal)
            .ToList();

    private static YamlMappingNode Build(Type type, CustomResourceAttribute resource)
    {
        var names = new YamlMappingNode
        {
            { "kind", resource.Kind },
            { "listKind", resource.Kind + "List" },
            { "plural", resource.Plural },
            { "singular", resource.Singular },
        };
        if (resource.ShortNames.Length > 0)
            names.Add("shortNames", Yaml.Sequence(resource.ShortNames));
        if (resource.Categories.Length > 0)
            names.Add("categories", Yaml.Sequence(resource.Categories));

        var version = new YamlMappingNode
        {
            { "name", resource.Version },
            { "served", Yaml.Bool(true) },
            { "storage", Yaml.Bool(true) },
            { "subresources", new YamlMappingNode { { "status", new YamlMappingNode() } } },
            { "additionalPrinterColumns", new YamlSequenceNode(PrinterColumns(type)) },
        };
        var selectable = type.GetCustomAttributes<SelectableFieldAttribute>()
            .Select(field => field.JsonPath).Order(StringComparer.Ordinal).ToList();
        if (selectable.Count > 0)
            version.Add("selectableFields", new YamlSequenceNode(
                selectable.Select(path => new YamlMappingNode { { "jsonPath", path } })));
        version.Add("schema", new YamlMappingNode { { "openAPIV3Schema", OpenApiSchema.ForResource(type) } });

        return new YamlMappingNode
        {
            { "apiVersion", "apiextensions.k8s.io/v1" },
            { "kind", "CustomResourceDefinition" },
            {
                "metadata", new YamlMappingNode
                {
                    { "name", $"{resource.Plural}.{resource.Group}" },
                    { "labels", new YamlMappingNode { { "app.kubernetes.io/name", "certfleet" }, { "app.kubernetes.io/part-of", "certfleet" } } },
                }
            },
            {
                "spec", new YamlMappingNode
                {
                    { "group", resource.Group },
                    { "names", names },
                    { "scope", resource.Namespaced ? "Namespaced" : "Cluster" },
                    { "versions", new YamlSequenceNode(version) },
                }
            },
        };
    }

    private static IEnumerable<YamlMappingNode> PrinterColumns(Type type) =>
        type.GetCustomAttributes<PrinterColumnAttribute>().OrderBy(column => column.Order).Select(column =>
        {
            var node = new YamlMappingNode { { "name", column.Name }, { "type", column.Type }, { "jsonPath", column.JsonPath } };
            if (column.Priority != 0)
                node.Add("priority", Yaml.Scalar(column.Priority));
            if (column.Description is not null)
                node.Add("description", column.Description);
            return node;
        });
}
