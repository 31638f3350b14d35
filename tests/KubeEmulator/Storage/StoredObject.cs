using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Storage;

/// <summary>Where an object lives in its resource: namespace ("" when cluster-scoped) and name.</summary>
internal readonly record struct ObjectKey(string Namespace, string Name);

/// <summary>
/// One committed version of an object. Never mutated: readers share the tree and the serialized bytes, which are
/// written once so GETs, lists and every watcher send the same buffer.
/// </summary>
internal sealed class StoredObject
{
    private readonly Lock _conversionGate = new();
    private Dictionary<string, byte[]>? _otherVersions;

    public StoredObject(JsonObject obj, long resourceVersion)
    {
        JsonTree.Materialize(obj);
        Object = obj;
        ResourceVersion = resourceVersion;
        Json = JsonTree.ToBytes(obj);
        Key = new ObjectKey(ObjectMeta.Namespace(obj), ObjectMeta.Name(obj));
        Uid = ObjectMeta.Uid(obj);
        ApiVersion = obj["apiVersion"].AsString() ?? "";
        Labels = ObjectMeta.Labels(obj);
        Finalizers = ObjectMeta.Finalizers(obj);
        OwnerUids = ObjectMeta.OwnerUids(obj);
        IsTerminating = ObjectMeta.IsTerminating(obj);
    }

    /// <summary>The object tree; callers must not change it (clone first).</summary>
    public JsonObject Object { get; }

    /// <summary>The object serialized in its stored apiVersion.</summary>
    public byte[] Json { get; }

    public long ResourceVersion { get; }

    public ObjectKey Key { get; }

    public string Uid { get; }

    public string ApiVersion { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public IReadOnlyList<string> Finalizers { get; }

    public IReadOnlyList<string> OwnerUids { get; }

    public bool IsTerminating { get; }

    /// <summary>The bytes as a client of another served version sees them (conversion strategy None: apiVersion only).</summary>
    public byte[] JsonAs(string apiVersion)
    {
        if (apiVersion == ApiVersion)
        {
            return Json;
        }
        lock (_conversionGate)
        {
            _otherVersions ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (!_otherVersions.TryGetValue(apiVersion, out var bytes))
            {
                bytes = JsonTree.ToBytes(CloneAs(apiVersion));
                _otherVersions[apiVersion] = bytes;
            }
            return bytes;
        }
    }

    /// <summary>A private, mutable copy as seen in <paramref name="apiVersion"/>.</summary>
    public JsonObject CloneAs(string apiVersion)
    {
        var copy = (JsonObject)Object.DeepClone();
        if (apiVersion != ApiVersion)
        {
            copy["apiVersion"] = apiVersion;
        }
        return copy;
    }
}
