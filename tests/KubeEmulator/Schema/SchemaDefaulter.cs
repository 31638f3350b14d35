using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>
/// Applies structural-schema defaults as apiextensions does on every read and write: nulls in non-nullable fields
/// are dropped first, then missing fields of existing objects get their default, recursively.
/// </summary>
internal static class SchemaDefaulter
{
    public static void Apply(JsonNode? node, StructuralSchema schema)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, property) in schema.Properties)
                {
                    if (obj.TryGetPropertyValue(name, out var value) && JsonTree.IsNull(value) && !property.Nullable)
                    {
                        obj.Remove(name);
                    }
                    if (!obj.ContainsKey(name) && property.Default is not null)
                    {
                        obj[name] = property.Default.DeepClone();
                    }
                    if (obj[name] is { } child)
                    {
                        Apply(child, property);
                    }
                }
                if (schema.AdditionalProperties is { } values)
                {
                    foreach (var key in obj.Select(p => p.Key).Where(k => !schema.Properties.ContainsKey(k)).ToList())
                    {
                        if (JsonTree.IsNull(obj[key]) && !values.Nullable)
                        {
                            obj.Remove(key);
                        }
                        else
                        {
                            Apply(obj[key], values);
                        }
                    }
                }
                break;
            case JsonArray array when schema.Items is not null:
                foreach (var item in array)
                {
                    Apply(item, schema.Items);
                }
                break;
        }
    }
}
