using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Patching;

/// <summary>
/// A set of field paths in managedFields' FieldsV1 form: "f:name" for a field, "k:{...}" for a keyed list element,
/// "v:..." for a set member; a node without children is an owned leaf.
/// </summary>
internal sealed class FieldSet
{
    private readonly SortedDictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    /// <summary>Metadata fields the server owns; an applied configuration never claims them.</summary>
    private static readonly HashSet<string> ServerMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink", "generateName",
    ];

    public bool IsEmpty => _children.Count == 0;

    public IReadOnlyDictionary<string, FieldSet> Children => _children;

    public FieldSet? Child(string element) => _children.GetValueOrDefault(element);

    /// <summary>The fields an applied configuration sets.</summary>
    public static FieldSet FromConfiguration(JsonObject config, FieldShapes shapes)
    {
        var set = new FieldSet();
        foreach (var (key, value) in config)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }
            if (key == "metadata" && value is JsonObject metadata)
            {
                var metadataSet = new FieldSet();
                foreach (var (metaKey, metaValue) in metadata.Where(p => !ServerMetadata.Contains(p.Key)))
                {
                    metadataSet._children[$"f:{metaKey}"] = FromValue(metaValue, ["metadata", metaKey], shapes);
                }
                if (!metadataSet.IsEmpty)
                {
                    set._children["f:metadata"] = metadataSet;
                }
                continue;
            }
            set._children[$"f:{key}"] = FromValue(value, [key], shapes);
        }
        return set;
    }

    private static FieldSet FromValue(JsonNode? value, List<string> path, FieldShapes shapes)
    {
        var set = new FieldSet();
        switch (value)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    set._children[$"f:{key}"] = FromValue(child, [.. path, key], shapes);
                }
                break;
            case JsonArray list:
                var shape = shapes.ListAt(path);
                foreach (var item in list)
                {
                    switch (shape.Kind)
                    {
                        case ListKind.Map when item is JsonObject element:
                            set._children[KeyElement(shape.WithKeyDefaults(element), shape.MapKeys)] = FromValue(element, path, shapes);
                            break;
                        case ListKind.Set:
                            set._children[$"v:{JsonTree.ToText(item)}"] = new FieldSet();
                            break;
                    }
                }
                break;
        }
        return set;
    }

    /// <summary>"k:{...}" naming a keyed list element by its key fields.</summary>
    public static string KeyElement(JsonObject element, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys.Order(StringComparer.Ordinal))
        {
            key[name] = element[name]?.DeepClone();
        }
        return $"k:{JsonTree.ToText(key)}";
    }

    public static FieldSet FromJson(JsonNode? fields)
    {
        var set = new FieldSet();
        if (fields is JsonObject obj)
        {
            foreach (var (key, child) in obj.Where(p => p.Key != "."))
            {
                set._children[key] = FromJson(child);
            }
        }
        return set;
    }

    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        foreach (var (key, child) in _children)
        {
            obj[key] = child.ToJson();
        }
        return obj;
    }

    /// <summary>Every owned leaf as a list of path elements.</summary>
    public IEnumerable<IReadOnlyList<string>> Leaves()
    {
        foreach (var (key, child) in _children)
        {
            if (child.IsEmpty)
            {
                yield return [key];
                continue;
            }
            foreach (var rest in child.Leaves())
            {
                yield return [key, .. rest];
            }
        }
    }

    public bool ContainsLeaf(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (node._children.GetValueOrDefault(element) is not { } next)
            {
                return false;
            }
            node = next;
        }
        return node.IsEmpty;
    }

    /// <summary>Removes a leaf and any parents it leaves empty.</summary>
    public void RemoveLeaf(IReadOnlyList<string> path)
    {
        if (path.Count == 0 || _children.GetValueOrDefault(path[0]) is not { } child)
        {
            return;
        }
        if (path.Count > 1)
        {
            child.RemoveLeaf(path.Skip(1).ToList());
            if (!child.IsEmpty)
            {
                return;
            }
        }
        _children.Remove(path[0]);
    }

    public bool SameAs(FieldSet other) => JsonTree.DeepEquals(ToJson(), other.ToJson());

    /// <summary>The value a path points at in an object, or null when absent.</summary>
    public static JsonNode? Resolve(JsonNode? node, IReadOnlyList<string> path)
    {
        foreach (var element in path)
        {
            node = Step(node, element);
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    /// <summary>One step down an object along a path element.</summary>
    public static JsonNode? Step(JsonNode? node, string element)
    {
        switch (element[0])
        {
            case 'f':
                return node is JsonObject obj ? obj[element[2..]] : null;
            case 'k':
                var key = JsonTree.Parse(element[2..]) as JsonObject ?? [];
                return node is JsonArray list
                    ? list.OfType<JsonObject>().FirstOrDefault(e => key.All(k => JsonTree.DeepEquals(e[k.Key], k.Value)))
                    : null;
            default:
                var value = JsonTree.Parse(element[2..]);
                return node is JsonArray set ? set.FirstOrDefault(e => JsonTree.DeepEquals(e, value)) : null;
        }
    }

    /// <summary>A path as conflict messages print it: .spec.containers[name="web"].image</summary>
    public static string Describe(IReadOnlyList<string> path) => string.Concat(path.Select(element => element[0] switch
    {
        'f' => "." + element[2..],
        'k' => "[" + string.Join(",", (JsonTree.Parse(element[2..]) as JsonObject ?? []).Select(p => $"{p.Key}={JsonTree.ToText(p.Value)}")) + "]",
        _ => $"[={element[2..]}]",
    }));
}
