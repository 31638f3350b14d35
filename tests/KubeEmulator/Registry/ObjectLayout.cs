using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Registry;

/// <summary>Puts keys in the order the apiserver writes them: apiVersion, kind, metadata first; ObjectMeta in field order.</summary>
internal static class ObjectLayout
{
    private static readonly string[] RootOrder = ["apiVersion", "kind", "metadata"];

    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ];

    public static void Canonicalize(JsonObject obj)
    {
        Reorder(obj, RootOrder);
        if (obj["metadata"] is JsonObject metadata)
        {
            Reorder(metadata, MetadataOrder);
        }
    }

    private static void Reorder(JsonObject obj, string[] order)
    {
        var entries = obj.ToList();
        var sorted = entries
            .OrderBy(e => Array.IndexOf(order, e.Key) is var i and >= 0 ? i : order.Length)
            .ToList();
        if (entries.Select(e => e.Key).SequenceEqual(sorted.Select(e => e.Key)))
        {
            return;
        }
        obj.Clear();
        foreach (var (key, value) in sorted)
        {
            obj[key] = value;
        }
    }
}
