using System.Text.Json.Nodes;
using CertFleet.Interfaces.Ports;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>The Gateway API side of an HTTP-01 solver: an HTTPRoute matching exactly the challenge path.</summary>
public static class SolverHttpRouteMapping
{
    public static JsonObject NewHttpRoute(SolverRoute route, SolverHttpRoute httpRoute, V1OwnerReference owner)
    {
        var labels = new JsonObject();
        foreach (var (name, value) in SolverObjects.Labels(route, httpRoute.Labels))
            labels[name] = value;

        var spec = new JsonObject { ["parentRefs"] = new JsonArray([.. httpRoute.ParentRefs.Select(ParentRef)]) };
        // No hostnames (matches every host) for an IP identifier: hostnames may not be IPs.
        if (SolverObjects.Host(route) is { } host)
            spec["hostnames"] = new JsonArray(host);
        spec["rules"] = new JsonArray(new JsonObject
        {
            ["matches"] = new JsonArray(new JsonObject
            {
                ["path"] = new JsonObject { ["type"] = "Exact", ["value"] = SolverObjects.Path(route) },
            }),
            ["backendRefs"] = new JsonArray(new JsonObject
            {
                ["name"] = route.ServiceName,
                ["port"] = route.ServicePort,
            }),
        });
        return new JsonObject
        {
            ["apiVersion"] = ResourceKind.HttpRoute.ApiVersion,
            ["kind"] = ResourceKind.HttpRoute.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = SolverObjects.Name(route),
                ["namespace"] = route.Challenge.Namespace,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(JsonNode.Parse(KubernetesJson.Serialize(owner))),
            },
            ["spec"] = spec,
        };
    }

    /// <summary>Only the fields the user set: Gateway API defaults the rest (kind Gateway, the route's namespace).</summary>
    private static JsonNode ParentRef(SolverParentRef parent)
    {
        var reference = new JsonObject { ["name"] = parent.Name };
        if (parent.Namespace is { Length: > 0 })
            reference["namespace"] = parent.Namespace;
        if (parent.Kind is { Length: > 0 })
            reference["kind"] = parent.Kind;
        if (parent.Group is not null)
            reference["group"] = parent.Group;
        if (parent.SectionName is { Length: > 0 })
            reference["sectionName"] = parent.SectionName;
        if (parent.Port is { } port)
            reference["port"] = port;
        return reference;
    }
}
