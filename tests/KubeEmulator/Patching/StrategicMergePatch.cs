using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Patching;

/// <summary>
/// Strategic merge patch for built-in kinds, with the directives kubectl sends: <c>$patch</c> (replace, delete,
/// merge), <c>$retainKeys</c>, <c>$setElementOrder/field</c> and <c>$deleteFromPrimitiveList/field</c>. Lists merge
/// by their patch merge key where the Go types declare one and are replaced otherwise.
/// </summary>
internal static class StrategicMergePatch
{
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(JsonObject original, JsonNode? patch, FieldShapes shapes)
    {
        if (patch is not JsonObject patchObject)
        {
            throw ApiError.BadRequest("invalid JSON document: a strategic merge patch must be an object");
        }
        return MergeMap((JsonObject)original.DeepClone(), patchObject, [], shapes) ?? new JsonObject();
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="result"/> (owned); null means "$patch: delete".</summary>
    private static JsonObject? MergeMap(JsonObject result, JsonObject patch, List<string> path, FieldShapes shapes)
    {
        switch (patch["$patch"].AsString())
        {
            case "delete":
                return null;
            case "replace":
                var replacement = new JsonObject();
                return MergeMap(replacement, WithoutDirective(patch), path, shapes);
            case null or "merge":
                break;
            default:
                throw ApiError.BadRequest($"Unknown patch type: {patch["$patch"].AsString()}");
        }
        var orders = new Dictionary<string, JsonArray>();
        var deletions = new Dictionary<string, JsonArray>();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal))
            {
                orders[key[SetElementOrder.Length..]] = value as JsonArray ?? throw BadDirective(key);
                continue;
            }
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                deletions[key[DeleteFromPrimitiveList.Length..]] = value as JsonArray ?? throw BadDirective(key);
                continue;
            }
            if (key is "$patch" or "$retainKeys")
            {
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            List<string> childPath = [.. path, key];
            switch (value)
            {
                case JsonObject childPatch:
                    var merged = MergeMap(result[key] is JsonObject existing ? Detach(result, key, existing) : new JsonObject(),
                        childPatch, childPath, shapes);
                    if (merged is null)
                    {
                        result.Remove(key);
                    }
                    else
                    {
                        result[key] = merged;
                    }
                    break;
                case JsonArray listPatch:
                    result[key] = MergeList(result[key] as JsonArray, listPatch, shapes.ListAt(childPath), childPath, shapes);
                    break;
                default:
                    result[key] = value.DeepClone();
                    break;
            }
        }
        foreach (var (field, values) in deletions)
        {
            if (result[field] is JsonArray list)
            {
                foreach (var item in list.Where(i => values.Any(v => JsonTree.DeepEquals(v, i))).ToList())
                {
                    list.Remove(item);
                }
            }
        }
        foreach (var (field, order) in orders)
        {
            if (result[field] is JsonArray list)
            {
                result[field] = Reorder(list, order, shapes.ListAt([.. path, field]));
            }
        }
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Strings().ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }
        return result;
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, ListShape shape, List<string> path, FieldShapes shapes)
    {
        var replaceAll = patch.OfType<JsonObject>().Any(e => e["$patch"].AsString() == "replace");
        if (!shape.PatchMerge || replaceAll)
        {
            return new JsonArray(patch
                .Where(e => e is not JsonObject o || o["$patch"].AsString() != "replace")
                .Select(e => e is JsonObject o ? MergeMap(new JsonObject(), o, path, shapes) : e?.DeepClone())
                .ToArray());
        }
        var result = new JsonArray((original ?? []).Select(e => e?.DeepClone()).ToArray());
        if (shape.PatchMergeKey is not { } mergeKey)
        {
            foreach (var value in patch.Where(v => !result.Any(r => JsonTree.DeepEquals(r, v))))
            {
                result.Add(value?.DeepClone());
            }
            return result;
        }
        foreach (var element in patch)
        {
            if (element is not JsonObject elementPatch)
            {
                throw ApiError.BadRequest($"unable to find api field in struct for the list {string.Join('.', path)}: elements must be maps");
            }
            var key = elementPatch[mergeKey];
            var index = IndexOf(result, mergeKey, key);
            if (elementPatch["$patch"].AsString() == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }
                continue;
            }
            if (index >= 0)
            {
                var existing = (JsonObject)result[index]!;
                result[index] = null;
                result[index] = MergeMap(existing, elementPatch, path, shapes);
            }
            else
            {
                result.Add(MergeMap(new JsonObject(), elementPatch, path, shapes));
            }
        }
        return result;
    }

    /// <summary>Puts the listed elements first, in the listed order; the rest keep their relative order after them.</summary>
    private static JsonArray Reorder(JsonArray list, JsonArray order, ListShape shape)
    {
        var items = list.Select(i => i?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var marker in order)
        {
            var match = items.FindIndex(i => shape.PatchMergeKey is { } key && marker is JsonObject m
                ? i is JsonObject o && JsonTree.DeepEquals(o[key], m[key])
                : JsonTree.DeepEquals(i, marker));
            if (match >= 0)
            {
                ordered.Add(items[match]);
                items.RemoveAt(match);
            }
        }
        ordered.AddRange(items);
        return new JsonArray(ordered.ToArray());
    }

    private static int IndexOf(JsonArray list, string mergeKey, JsonNode? key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject element && JsonTree.DeepEquals(element[mergeKey], key))
            {
                return i;
            }
        }
        return -1;
    }

    private static JsonObject Detach(JsonObject parent, string key, JsonObject child)
    {
        parent.Remove(key);
        return child;
    }

    private static JsonObject WithoutDirective(JsonObject patch)
    {
        var copy = (JsonObject)patch.DeepClone();
        copy.Remove("$patch");
        return copy;
    }

    private static ApiError BadDirective(string key) => ApiError.BadRequest($"invalid patch: {key} must be a list");
}
