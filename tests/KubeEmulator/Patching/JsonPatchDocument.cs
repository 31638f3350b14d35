using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Patching;

/// <summary>
/// An RFC 6902 JSON patch. A malformed document is a 400; an operation that cannot apply (missing path, failed
/// test) is a 422, as the apiserver answers.
/// </summary>
internal sealed class JsonPatchDocument
{
    private sealed record Operation(string Op, string Path, string? From, JsonNode? Value);

    private readonly List<Operation> _operations;

    private JsonPatchDocument(List<Operation> operations) => _operations = operations;

    public static JsonPatchDocument Parse(JsonNode? document)
    {
        if (document is not JsonArray array)
        {
            throw ApiError.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }
        var operations = new List<Operation>();
        foreach (var item in array)
        {
            if (item is not JsonObject op || op["op"].AsString() is not { } name || op["path"].AsString() is not { } path)
            {
                throw ApiError.BadRequest("the server rejected our request due to an error in our request: each operation needs \"op\" and \"path\"");
            }
            if (name is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
            {
                throw ApiError.BadRequest($"Unexpected kind: {name}");
            }
            if (name is "add" or "replace" or "test" && !op.ContainsKey("value"))
            {
                throw ApiError.BadRequest($"missing value for operation {name}");
            }
            if (name is "move" or "copy" && op["from"].AsString() is null)
            {
                throw ApiError.BadRequest($"missing from for operation {name}");
            }
            operations.Add(new Operation(name, path, op["from"].AsString(), op["value"]?.DeepClone()));
        }
        return new JsonPatchDocument(operations);
    }

    public JsonNode? Apply(JsonNode? target)
    {
        var document = target?.DeepClone();
        foreach (var operation in _operations)
        {
            try
            {
                document = Apply(document, operation);
            }
            catch (PatchFailure failure)
            {
                throw ApiError.RejectedPatch(failure.Message);
            }
        }
        return document;
    }

    private sealed class PatchFailure(string message) : Exception(message);

    private static JsonNode? Apply(JsonNode? document, Operation operation)
    {
        switch (operation.Op)
        {
            case "add":
                return Add(document, operation.Path, operation.Value?.DeepClone());
            case "remove":
                Remove(document, operation.Path);
                return document;
            case "replace":
                Remove(document, operation.Path);
                return Add(document, operation.Path, operation.Value?.DeepClone());
            case "move":
                var moved = Get(document, operation.From!);
                Remove(document, operation.From!);
                return Add(document, operation.Path, moved?.DeepClone());
            case "copy":
                return Add(document, operation.Path, Get(document, operation.From!)?.DeepClone());
            default:
                if (!JsonTree.DeepEquals(Get(document, operation.Path), operation.Value))
                {
                    throw new PatchFailure($"testing value {operation.Path} failed: test failed");
                }
                return document;
        }
    }

    private static JsonNode? Get(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when Index(token, array.Count, false) is { } i => array[i],
                _ => throw new PatchFailure($"doc is missing path: \"{path}\": missing value"),
            };
        }
        return node;
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value;
        }
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                var index = last == "-" ? array.Count : Index(last, array.Count, true)
                    ?? throw new PatchFailure($"add operation does not apply: doc is missing path: \"{path}\": missing value");
                array.Insert(index, value);
                break;
            default:
                throw new PatchFailure($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }
        return document;
    }

    private static void Remove(JsonNode? document, string path)
    {
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when Index(last, array.Count, false) is { } index:
                array.RemoveAt(index);
                break;
            default:
                throw new PatchFailure($"{path}: doc is missing path: \"{path}\": missing value");
        }
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode? document, string path)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            throw new PatchFailure("cannot operate on the document root");
        }
        var parentPath = string.Concat(tokens.Take(tokens.Count - 1).Select(t => "/" + t.Replace("~", "~0").Replace("/", "~1")));
        return (Get(document, parentPath), tokens[^1]);
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }
        if (path[0] != '/')
        {
            throw new PatchFailure($"invalid JSON pointer \"{path}\"");
        }
        return path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    private static int? Index(string token, int count, bool allowEnd)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return null;
        }
        return index < count || (allowEnd && index == count) ? index : null;
    }
}
