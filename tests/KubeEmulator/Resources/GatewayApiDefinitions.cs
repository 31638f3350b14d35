using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// The Gateway API CRDs a cluster with Gateway API installed has, with their real names and printer columns but a
/// permissive schema (x-kubernetes-preserve-unknown-fields) instead of the full one; only HTTPRoute's
/// spec.hostnames is checked, as the real CRD checks it.
/// </summary>
internal static class GatewayApiDefinitions
{
    private const string Group = "gateway.networking.k8s.io";

    public static IEnumerable<JsonObject> Create()
    {
        yield return Definition("gatewayclasses", "GatewayClass", "Cluster", ["gc"], ["v1", "v1beta1"],
        [
            Column("Controller", ".spec.controllerName"),
            Column("Accepted", ".status.conditions[?(@.type==\"Accepted\")].status"),
            Column("Age", ".metadata.creationTimestamp", "date"),
            Column("Description", ".spec.description", priority: 1),
        ]);
        yield return Definition("gateways", "Gateway", "Namespaced", ["gtw"], ["v1", "v1beta1"],
        [
            Column("Class", ".spec.gatewayClassName"),
            Column("Address", ".status.addresses[*].value"),
            Column("Programmed", ".status.conditions[?(@.type==\"Programmed\")].status"),
            Column("Age", ".metadata.creationTimestamp", "date"),
        ]);
        yield return Definition("httproutes", "HTTPRoute", "Namespaced", [], ["v1", "v1beta1"],
            [Column("Hostnames", ".spec.hostnames"), Column("Age", ".metadata.creationTimestamp", "date")], HttpRouteSpec());
        yield return Definition("referencegrants", "ReferenceGrant", "Namespaced", ["refgrant"], ["v1beta1"],
            [Column("Age", ".metadata.creationTimestamp", "date")]);
    }

    /// <summary>
    /// The real CRD's Hostname (RFC 1123 name, optionally "*." first, at most 253 characters) and its documented rule
    /// "IPs are not allowed": the CRD's pattern refuses IPv6 addresses, the lookahead here IPv4 ones too.
    /// </summary>
    private static JsonObject HttpRouteSpec() => new()
    {
        ["type"] = "object",
        ["x-kubernetes-preserve-unknown-fields"] = true,
        ["properties"] = new JsonObject
        {
            ["hostnames"] = new JsonObject
            {
                ["type"] = "array",
                ["maxItems"] = 16,
                ["items"] = new JsonObject
                {
                    ["type"] = "string",
                    ["minLength"] = 1,
                    ["maxLength"] = 253,
                    ["pattern"] = @"^(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                },
            },
        },
    };

    private static JsonObject Column(string name, string jsonPath, string type = "string", int priority = 0) => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["jsonPath"] = jsonPath,
        ["priority"] = priority,
    };

    /// <param name="versions">Served versions; the first is the storage version.</param>
    /// <param name="spec">The schema of spec; any spec when null.</param>
    private static JsonObject Definition(
        string plural, string kind, string scope, string[] shortNames, string[] versions, JsonObject[] columns, JsonObject? spec = null)
    {
        var versionList = new JsonArray();
        foreach (var version in versions)
        {
            versionList.Add(new JsonObject
            {
                ["name"] = version,
                ["served"] = true,
                ["storage"] = version == versions[0],
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                ["additionalPrinterColumns"] = new JsonArray(columns.Select(c => (JsonNode?)c.DeepClone()).ToArray()),
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = spec is null
                        ? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true }
                        : new JsonObject
                        {
                            ["type"] = "object",
                            ["x-kubernetes-preserve-unknown-fields"] = true,
                            ["properties"] = new JsonObject { ["spec"] = spec.DeepClone() },
                        },
                },
            });
        }
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{plural}.{Group}",
                ["annotations"] = new JsonObject { ["gateway.networking.k8s.io/bundle-version"] = "v1.2.1" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = Group,
                ["scope"] = scope,
                ["names"] = new JsonObject
                {
                    ["plural"] = plural,
                    ["singular"] = kind.ToLowerInvariant(),
                    ["kind"] = kind,
                    ["listKind"] = kind + "List",
                    ["shortNames"] = shortNames.ToJsonArray(),
                    ["categories"] = new JsonArray("gateway-api"),
                },
                ["versions"] = versionList,
            },
        };
    }
}
