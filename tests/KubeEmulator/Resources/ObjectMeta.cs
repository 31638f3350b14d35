using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>Reads and writes of an object's metadata, tolerant of missing or mistyped fields.</summary>
internal static class ObjectMeta
{
    /// <summary>The metadata object, created when missing.</summary>
    public static JsonObject Of(JsonObject obj) => obj.EnsureObject("metadata");

    public static string Name(JsonObject obj) => obj.StringAt("metadata", "name") ?? "";

    /// <summary>The namespace, "" for cluster-scoped objects.</summary>
    public static string Namespace(JsonObject obj) => obj.StringAt("metadata", "namespace") ?? "";

    public static string Uid(JsonObject obj) => obj.StringAt("metadata", "uid") ?? "";

    public static string ResourceVersion(JsonObject obj) => obj.StringAt("metadata", "resourceVersion") ?? "";

    public static bool IsTerminating(JsonObject obj) => obj.At("metadata", "deletionTimestamp") is not null;

    public static long Generation(JsonObject obj) => obj.At("metadata", "generation").AsLong() ?? 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) => StringMap(obj.ObjectAt("metadata", "labels"));

    public static List<string> Finalizers(JsonObject obj) => obj.At("metadata", "finalizers").Strings();

    public static void SetFinalizers(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        var metadata = Of(obj);
        if (finalizers.Count == 0)
        {
            metadata.Remove("finalizers");
        }
        else
        {
            metadata["finalizers"] = finalizers.ToJsonArray();
        }
    }

    /// <summary>The uids named by metadata.ownerReferences.</summary>
    public static List<string> OwnerUids(JsonObject obj) =>
        (obj.ArrayAt("metadata", "ownerReferences") ?? [])
        .Select(r => r.StringAt("uid"))
        .OfType<string>()
        .Where(u => u.Length > 0)
        .ToList();

    public static Dictionary<string, string> StringMap(JsonObject? map)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map is not null)
        {
            foreach (var (key, value) in map)
            {
                if (value.AsString() is { } text)
                {
                    result[key] = text;
                }
            }
        }
        return result;
    }
}
