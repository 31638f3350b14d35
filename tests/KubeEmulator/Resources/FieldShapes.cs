using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>How server-side apply treats a list: as one value, as a set of scalars, or as a map keyed by fields.</summary>
internal enum ListKind
{
    Atomic,
    Set,
    Map,
}

/// <summary>
/// What merging needs to know about one list field. <see cref="PatchMergeKey"/> and <see cref="PatchMerge"/> are the
/// Go struct tags strategic merge patch reads (patchMergeKey / patchStrategy:"merge"); <see cref="Kind"/> and
/// <see cref="MapKeys"/> are the listType markers server-side apply reads.
/// </summary>
internal sealed record ListShape(ListKind Kind, IReadOnlyList<string> MapKeys, string? PatchMergeKey, bool PatchMerge)
{
    public static readonly ListShape Atomic = new(ListKind.Atomic, [], null, false);

    /// <summary>
    /// Defaults of key fields, as the OpenAPI schema gives them: kube-apiserver's server-side apply fills a key field an
    /// applied element leaves out (a port's protocol) before matching, so re-applying a manifest matches what it created.
    /// </summary>
    public IReadOnlyDictionary<string, string> KeyDefaults { get; init; } = new Dictionary<string, string>();

    /// <summary>Ports keyed by their number and protocol (TCP when left out): containers' and Services' ports.</summary>
    public static ListShape PortsKeyedBy(string portField) =>
        new(ListKind.Map, [portField, "protocol"], portField, true) { KeyDefaults = new Dictionary<string, string> { ["protocol"] = "TCP" } };

    /// <summary><paramref name="element"/> with every key field it leaves out set to its default (a copy, if any is missing).</summary>
    public JsonObject WithKeyDefaults(JsonObject element)
    {
        if (KeyDefaults.Keys.All(element.ContainsKey))
            return element;
        var filled = element.DeepClone().AsObject();
        foreach (var (field, value) in KeyDefaults)
            filled[field] ??= value;
        return filled;
    }

    public static ListShape KeyedBy(params string[] keys) => new(ListKind.Map, keys, keys[0], true);

    public static readonly ListShape MergedSet = new(ListKind.Set, [], null, true);
}

/// <summary>List semantics of one kind, looked up by field path with list levels left out ("spec.containers.env").</summary>
internal abstract class FieldShapes
{
    private static readonly Dictionary<string, ListShape> MetadataLists = new(StringComparer.Ordinal)
    {
        ["metadata.ownerReferences"] = ListShape.KeyedBy("uid"),
        ["metadata.finalizers"] = ListShape.MergedSet,
    };

    public ListShape ListAt(IReadOnlyList<string> path)
    {
        if (path.Count > 0 && path[0] == "metadata")
        {
            return MetadataLists.GetValueOrDefault(string.Join('.', path), ListShape.Atomic);
        }
        return KindListAt(path);
    }

    protected abstract ListShape KindListAt(IReadOnlyList<string> path);
}

/// <summary>List semantics of a built-in kind, from the tags on its Go types.</summary>
internal sealed class BuiltInShapes(IReadOnlyDictionary<string, ListShape> lists) : FieldShapes
{
    public static readonly BuiltInShapes None = new(new Dictionary<string, ListShape>());

    protected override ListShape KindListAt(IReadOnlyList<string> path) =>
        lists.GetValueOrDefault(string.Join('.', path), ListShape.Atomic);
}
