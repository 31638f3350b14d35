using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Patching;

/// <summary>Who applies, and how, for one server-side apply request.</summary>
internal sealed record ApplyRequest(string Manager, bool Force, string? Subresource, string ApiVersion, FieldShapes Shapes);

/// <summary>
/// Server-side apply over the fields each apply manager owns (metadata.managedFields, operation Apply): merges
/// the configuration into the live object, removes fields the manager stopped sending unless another manager owns
/// them, and answers 409 when it would change a value another manager owns (unless forced). Managers of plain
/// updates are not recorded; an update instead takes changed fields away from the apply managers that owned them.
/// </summary>
internal static class ServerSideApply
{
    private sealed class Entry(JsonObject json)
    {
        public JsonObject Json { get; } = json;

        public string Manager => Json["manager"].AsString() ?? "";

        public string? Subresource => Json["subresource"].AsString();

        public bool IsApply => Json["operation"].AsString() == "Apply";

        public FieldSet Fields { get; set; } = FieldSet.FromJson(json["fieldsV1"]);
    }

    public static JsonObject Apply(JsonObject? live, JsonObject config, ApplyRequest request)
    {
        var entries = Entries(live);
        var applied = FieldSet.FromConfiguration(config, request.Shapes);
        var mine = entries.FirstOrDefault(e => e.IsApply && e.Manager == request.Manager && e.Subresource == request.Subresource);
        var others = entries.Where(e => e != mine && e.IsApply).ToList();

        var conflicts = new List<(string Manager, IReadOnlyList<string> Path)>();
        foreach (var leaf in applied.Leaves())
        {
            foreach (var other in others.Where(o => o.Fields.ContainsLeaf(leaf)))
            {
                if (!JsonTree.DeepEquals(FieldSet.Resolve(live, leaf), FieldSet.Resolve(config, leaf)))
                {
                    conflicts.Add((other.Manager, leaf));
                }
            }
        }
        if (conflicts.Count > 0 && !request.Force)
        {
            throw Conflict(conflicts);
        }
        foreach (var (manager, path) in conflicts)
        {
            foreach (var other in others.Where(o => o.Manager == manager))
            {
                other.Fields.RemoveLeaf(path);
            }
        }

        var result = live is null ? new JsonObject() : (JsonObject)live.DeepClone();
        foreach (var (key, value) in config)
        {
            if (key != "metadata")
            {
                result[key] = Merge(Detach(result, key), value, [key], request.Shapes);
            }
        }
        MergeMetadata(result, config, request.Shapes);
        if (mine is not null)
        {
            RemoveDropped(result, mine.Fields, applied, others.Select(o => o.Fields).ToList());
        }

        var time = TimeField.FormatTime(DateTimeOffset.UtcNow);
        if (mine is null)
        {
            var json = new JsonObject
            {
                ["manager"] = request.Manager,
                ["operation"] = "Apply",
                ["apiVersion"] = request.ApiVersion,
                ["time"] = time,
                ["fieldsType"] = "FieldsV1",
            };
            if (request.Subresource is not null)
            {
                json["subresource"] = request.Subresource;
            }
            mine = new Entry(json);
            entries.Add(mine);
        }
        else if (!mine.Fields.SameAs(applied))
        {
            mine.Json["time"] = time;
        }
        mine.Fields = applied;
        WriteEntries(result, entries);
        return result;
    }

    /// <summary>An update (not an apply) takes over the fields it changes: apply managers stop owning them.</summary>
    public static void ReleaseChangedFields(JsonObject old, JsonObject next)
    {
        var entries = Entries(next);
        if (!entries.Any(e => e.IsApply))
        {
            return;
        }
        foreach (var entry in entries.Where(e => e.IsApply))
        {
            foreach (var leaf in entry.Fields.Leaves().ToList())
            {
                if (!JsonTree.DeepEquals(FieldSet.Resolve(old, leaf), FieldSet.Resolve(next, leaf)))
                {
                    entry.Fields.RemoveLeaf(leaf);
                }
            }
        }
        WriteEntries(next, entries);
    }

    private static void MergeMetadata(JsonObject result, JsonObject config, FieldShapes shapes)
    {
        if (config["metadata"] is not JsonObject metadata)
        {
            return;
        }
        var target = ObjectMeta.Of(result);
        foreach (var (key, value) in metadata)
        {
            switch (key)
            {
                case "name" or "namespace" or "managedFields":
                    continue; // identity comes from the URL; managedFields are the server's
                case "uid" or "resourceVersion":
                    if (!string.IsNullOrEmpty(value.AsString()))
                    {
                        target[key] = value!.DeepClone(); // a precondition, checked by the write path
                    }
                    continue;
                default:
                    target[key] = Merge(Detach(target, key), value, ["metadata", key], shapes);
                    break;
            }
        }
    }

    private static JsonNode? Merge(JsonNode? live, JsonNode? config, List<string> path, FieldShapes shapes)
    {
        switch (config)
        {
            case JsonObject configObject when live is JsonObject liveObject:
                foreach (var (key, value) in configObject)
                {
                    liveObject[key] = Merge(Detach(liveObject, key), value, [.. path, key], shapes);
                }
                return liveObject;
            case JsonArray configList when live is JsonArray liveList:
                var shape = shapes.ListAt(path);
                if (shape.Kind == ListKind.Atomic)
                {
                    return configList.DeepClone();
                }
                var result = new JsonArray(liveList.Select(e => e?.DeepClone()).ToArray());
                foreach (var applied in configList)
                {
                    var item = shape.Kind == ListKind.Map && applied is JsonObject keyed ? shape.WithKeyDefaults(keyed) : applied;
                    var index = shape.Kind == ListKind.Map && item is JsonObject element
                        ? IndexOfKey(result, element, shape.MapKeys)
                        : IndexOfValue(result, item);
                    if (index < 0)
                    {
                        result.Add(item?.DeepClone());
                    }
                    else if (shape.Kind == ListKind.Map)
                    {
                        var existing = result[index];
                        result[index] = null;
                        result[index] = Merge(existing, item, path, shapes);
                    }
                }
                return result;
            default:
                return config?.DeepClone();
        }
    }

    /// <summary>Removes what the manager owned before and no longer sends, where no other manager owns it.</summary>
    private static void RemoveDropped(JsonNode? node, FieldSet before, FieldSet now, IReadOnlyList<FieldSet> others)
    {
        foreach (var (element, previous) in before.Children)
        {
            var stillMine = now.Child(element);
            var othersBelow = others.Select(o => o.Child(element)).OfType<FieldSet>().ToList();
            if (stillMine is null && othersBelow.Count == 0)
            {
                RemoveElement(node, element);
            }
            else if (!previous.IsEmpty)
            {
                RemoveDropped(FieldSet.Step(node, element), previous, stillMine ?? new FieldSet(), othersBelow);
            }
        }
    }

    private static void RemoveElement(JsonNode? node, string element)
    {
        switch (node)
        {
            case JsonObject obj when element.StartsWith("f:", StringComparison.Ordinal):
                obj.Remove(element[2..]);
                break;
            case JsonArray list when FieldSet.Step(list, element) is { } item:
                list.Remove(item);
                break;
        }
    }

    private static int IndexOfKey(JsonArray list, JsonObject element, IReadOnlyList<string> keys)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject candidate && keys.All(k => JsonTree.DeepEquals(candidate[k], element[k])))
            {
                return i;
            }
        }
        return -1;
    }

    private static int IndexOfValue(JsonArray list, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (JsonTree.DeepEquals(list[i], value))
            {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode? Detach(JsonObject parent, string key)
    {
        var child = parent[key];
        parent.Remove(key);
        return child;
    }

    private static List<Entry> Entries(JsonObject? obj) =>
        (obj?.ArrayAt("metadata", "managedFields") ?? [])
        .OfType<JsonObject>()
        .Select(e => new Entry((JsonObject)e.DeepClone()))
        .ToList();

    private static void WriteEntries(JsonObject obj, List<Entry> entries)
    {
        var kept = entries.Where(e => !e.IsApply || !e.Fields.IsEmpty).ToList();
        var metadata = ObjectMeta.Of(obj);
        if (kept.Count == 0)
        {
            metadata.Remove("managedFields");
            return;
        }
        var array = new JsonArray();
        foreach (var entry in kept)
        {
            entry.Json["fieldsV1"] = entry.Fields.ToJson();
            array.Add(entry.Json);
        }
        metadata["managedFields"] = array;
    }

    private static ApiError Conflict(List<(string Manager, IReadOnlyList<string> Path)> conflicts)
    {
        var causes = new JsonArray();
        foreach (var (manager, path) in conflicts)
        {
            causes.Add(new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{manager}\"",
                ["field"] = FieldSet.Describe(path),
            });
        }
        var plural = conflicts.Count == 1 ? "conflict" : "conflicts";
        var byManager = conflicts.GroupBy(c => c.Manager).Select(g => g.Count() == 1
            ? $"conflict with \"{g.Key}\": {FieldSet.Describe(g.First().Path)}"
            : $"conflicts with \"{g.Key}\":\n" + string.Join("\n", g.Select(c => "- " + FieldSet.Describe(c.Path))));
        return new ApiError(409, "Conflict", $"Apply failed with {conflicts.Count} {plural}: {string.Join("\n", byManager)}",
            new JsonObject { ["causes"] = causes });
    }
}
