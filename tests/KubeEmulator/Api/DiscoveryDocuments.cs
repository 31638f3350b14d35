using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Api;

/// <summary>
/// Legacy (unaggregated) discovery: /api, /apis, /apis/{group} and the APIResourceList of each group version.
/// client-go falls back to these when the response is not the aggregated v2 format. Groups APIServices hand to their
/// Services are listed too; their group versions' resource lists come from the Services (<see cref="AggregatedApis"/>).
/// </summary>
internal sealed class DiscoveryDocuments(ResourceCatalog catalog, AggregatedApis aggregated)
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    /// <summary>The document for a discovery path, or null when the path is not a discovery path.</summary>
    public JsonObject? Find(IReadOnlyList<string> segments) => segments switch
    {
        ["api"] => Versions(),
        ["api", "v1"] => ResourceList("", "v1"),
        ["apis"] => Groups(),
        ["apis", var group] => Group(group) ?? throw ApiError.NoSuchPath(),
        ["apis", var group, var version] => ResourceList(group, version),
        _ => null,
    };

    private static JsonObject Versions() => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = "127.0.0.1" }),
    };

    private JsonObject Groups()
    {
        var groups = new JsonArray();
        foreach (var name in GroupNames())
        {
            groups.Add(Group(name));
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private IEnumerable<string> GroupNames() =>
        catalog.All.Select(t => t.Group).Concat(aggregated.Served().Select(s => s.Group))
            .Where(g => g.Length > 0).Distinct().Order(StringComparer.Ordinal);

    private JsonObject? Group(string name)
    {
        var local = catalog.All
            .Where(t => t.Group == name)
            .SelectMany(t => t.Versions.Select(v => v.Name))
            .Distinct()
            .Order(Comparer<string>.Create(CustomResourceDefinitionReader.CompareVersionPriority));
        // An aggregated group's versions in the order of their APIServices' versionPriority, highest first.
        var remote = aggregated.Served().Where(s => s.Group == name).OrderByDescending(s => s.Priority).Select(s => s.Version);
        var versions = local.Concat(remote).Distinct()
            .Select(v => new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v })
            .ToList();
        if (versions.Count == 0)
        {
            return null;
        }
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)v).ToArray()),
            ["preferredVersion"] = versions[0].DeepClone(),
        };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        var types = catalog.All
            .Where(t => t.Group == group && t.Version(version) is not null)
            .OrderBy(t => t.Plural, StringComparer.Ordinal)
            .ToList();
        if (types.Count == 0)
        {
            throw ApiError.NoSuchPath();
        }
        foreach (var type in types)
        {
            var served = type.Version(version)!;
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = AllVerbs.ToJsonArray(),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = type.ShortNames.ToJsonArray();
            }
            if (type.Categories.Count > 0)
            {
                resource["categories"] = type.Categories.ToJsonArray();
            }
            resources.Add(resource);
            var subresources = (served.HasStatus ? new[] { "status" } : Array.Empty<string>()).Concat(type.Strategy.ExtraSubresources);
            foreach (var subresource in subresources)
            {
                var entry = new JsonObject
                {
                    ["name"] = $"{type.Plural}/{subresource}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = (subresource == "status" ? SubresourceVerbs : new[] { "update" }).ToJsonArray(),
                };
                if (subresource == ServiceAccountTokens.Subresource)
                {
                    // As kube-apiserver lists it: a create-only TokenRequest of authentication.k8s.io.
                    entry["group"] = "authentication.k8s.io";
                    entry["version"] = "v1";
                    entry["kind"] = "TokenRequest";
                    entry["verbs"] = new[] { "create" }.ToJsonArray();
                }
                resources.Add(entry);
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
