using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>
/// Drops fields a structural schema does not declare (apiextensions pruning) and reports their paths, which
/// fieldValidation=Strict turns into "unknown field" errors.
/// </summary>
internal static class SchemaPruner
{
    /// <summary>The ObjectMeta fields; anything else under metadata is unknown.</summary>
    private static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ];

    /// <summary>Prunes a whole custom resource; apiVersion, kind and metadata are always kept.</summary>
    public static void PruneObject(JsonObject root, StructuralSchema schema, List<string> unknownFields) =>
        PruneNode(root, schema, "", unknownFields, isResourceRoot: true);

    private static void PruneNode(JsonNode? node, StructuralSchema schema, string path, List<string> unknown, bool isResourceRoot)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneFields(obj, schema, path, unknown, isResourceRoot || schema.EmbeddedResource);
                break;
            case JsonArray array when schema.Items is not null:
                for (var i = 0; i < array.Count; i++)
                {
                    PruneNode(array[i], schema.Items, $"{path}[{i}]", unknown, false);
                }
                break;
        }
    }

    private static void PruneFields(JsonObject obj, StructuralSchema schema, string path, List<string> unknown, bool isResource)
    {
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (isResource && key is "apiVersion" or "kind")
            {
                continue;
            }
            if (isResource && key == "metadata")
            {
                PruneMetadata(obj[key], childPath, unknown);
                continue;
            }
            if (schema.Properties.TryGetValue(key, out var property))
            {
                PruneNode(obj[key], property, childPath, unknown, false);
            }
            else if (schema.AdditionalProperties is { } values)
            {
                PruneNode(obj[key], values, childPath, unknown, false);
            }
            else if (!schema.AdditionalPropertiesAllowed && !schema.PreserveUnknownFields)
            {
                obj.Remove(key);
                unknown.Add(childPath);
            }
        }
    }

    private static void PruneMetadata(JsonNode? metadata, string path, List<string> unknown)
    {
        if (metadata is not JsonObject meta)
        {
            return;
        }
        foreach (var key in meta.Select(p => p.Key).Where(k => !ObjectMetaFields.Contains(k)).ToList())
        {
            meta.Remove(key);
            unknown.Add($"{path}.{key}");
        }
    }
}
