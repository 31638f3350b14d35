using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>List semantics of a custom resource, read from x-kubernetes-list-type and x-kubernetes-list-map-keys.</summary>
internal sealed class SchemaShapes(StructuralSchema root) : FieldShapes
{
    protected override ListShape KindListAt(IReadOnlyList<string> path)
    {
        var schema = root;
        foreach (var name in path)
        {
            // Walk through list levels: the path names fields only.
            while (schema.Items is { } items && schema.Type == "array")
            {
                schema = items;
            }
            if (schema.Properties.TryGetValue(name, out var property))
            {
                schema = property;
            }
            else if (schema.AdditionalProperties is { } values)
            {
                schema = values;
            }
            else
            {
                return ListShape.Atomic;
            }
        }
        return schema.ListType switch
        {
            "map" when schema.ListMapKeys.Count > 0 => new ListShape(ListKind.Map, schema.ListMapKeys, schema.ListMapKeys[0], true),
            "set" => ListShape.MergedSet,
            _ => ListShape.Atomic,
        };
    }
}
