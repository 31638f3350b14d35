using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// A minimal /openapi/v3: enough for kubectl's default (strict) validation, which checks that each kind's PATCH
/// operation takes a fieldValidation parameter and then leaves validation to the server. Custom resource schemas
/// are published too (kubectl explain). Built-in PATCH operations do not list strategic merge, so kubectl builds
/// strategic patches from its compiled-in types, as it does against a real server without OpenAPI v3 models.
/// </summary>
internal sealed class OpenApiDocuments(ResourceCatalog catalog)
{
    private readonly Lock _gate = new();
    private long _builtFor = -1;
    private Dictionary<string, (byte[] Body, string Hash)> _documents = [];

    /// <summary>{"paths":{"apis/g/v":{"serverRelativeURL":"/openapi/v3/apis/g/v?hash=..."}}}</summary>
    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (path, document) in Documents().OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={document.Hash}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of one group version ("api/v1", "apis/g/v"), or null.</summary>
    public byte[]? GroupVersion(string path) => Documents().TryGetValue(path, out var document) ? document.Body : null;

    private Dictionary<string, (byte[] Body, string Hash)> Documents()
    {
        lock (_gate)
        {
            var generation = catalog.Generation;
            if (generation != _builtFor)
            {
                _documents = catalog.All
                    .SelectMany(t => t.Versions.Select(v => (Type: t, Version: v)))
                    .GroupBy(tv => tv.Type.Group.Length == 0 ? $"api/{tv.Version.Name}" : $"apis/{tv.Type.Group}/{tv.Version.Name}")
                    .ToDictionary(g => g.Key, g =>
                    {
                        var body = JsonTree.ToBytes(Document(g.Key, g.ToList()));
                        return (body, Convert.ToHexString(SHA512.HashData(body)));
                    });
                _builtFor = generation;
            }
            return _documents;
        }
    }

    private static JsonObject Document(string groupVersionPath, List<(ResourceType Type, ServedVersion Version)> resources)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var (type, version) in resources.OrderBy(r => r.Type.Plural, StringComparer.Ordinal))
        {
            var gvk = new JsonObject { ["group"] = type.Group, ["version"] = version.Name, ["kind"] = type.Kind };
            var collection = type.Namespaced ? $"/{groupVersionPath}/namespaces/{{namespace}}/{type.Plural}" : $"/{groupVersionPath}/{type.Plural}";
            paths[$"{collection}/{{name}}"] = new JsonObject { ["patch"] = PatchOperation(type, gvk) };
            if (version.OpenApiSchema is { } schema)
            {
                var published = (JsonObject)schema.DeepClone();
                published["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
                schemas[SchemaName(type, version)] = published;
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = VersionInfo.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject PatchOperation(ResourceType type, JsonObject gvk)
    {
        var content = new JsonObject();
        foreach (var media in new[] { "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml" })
        {
            content[media] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } };
        }
        return new JsonObject
        {
            ["description"] = $"partially update the specified {type.Kind}",
            ["operationId"] = $"patch{type.Kind}",
            ["parameters"] = new JsonArray(
                QueryParameter("dryRun", "string"),
                QueryParameter("fieldManager", "string"),
                QueryParameter("fieldValidation", "string"),
                QueryParameter("force", "boolean")),
            ["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true },
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = "patch",
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
    }

    private static JsonObject QueryParameter(string name, string type) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };

    /// <summary>The apiserver's naming: reversed group, version, kind ("test.example.conf.v1.Widget").</summary>
    private static string SchemaName(ResourceType type, ServedVersion version) =>
        string.Join('.', type.Group.Split('.').Reverse()) + $".{version.Name}.{type.Kind}";
}
