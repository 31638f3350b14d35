using System.Diagnostics;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Solving;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>HTTP-01 solver routes: the Ingress or HTTPRoute that sends the CA's request to the solver Service.</summary>
public sealed partial class ClusterWriter
{
    public Task ApplySolverRouteAsync(SolverRoute route, CancellationToken ct = default)
    {
        var connection = clusters[route.Challenge.Cluster];
        var ns = route.Challenge.Namespace;
        return Target(route) switch
        {
            { HttpRoute: { } httpRoute } => connection.RunAsync($"creating HTTPRoute {ns}/{SolverObjects.Name(route)}",
                KeepingExisting(token => connection.SendAsync((client, t) => client.CustomObjects.CreateNamespacedCustomObjectAsync(
                    SolverHttpRouteMapping.NewHttpRoute(route, httpRoute), ResourceKind.HttpRoute.Group,
                    ResourceKind.HttpRoute.Version, ns, ResourceKind.HttpRoute.Plural, fieldManager: FieldManager,
                    cancellationToken: t), token)), ct),
            { Ingress.Name: { Length: > 0 } existing } => connection.RunAsync(
                $"adding the HTTP-01 path for {route.DnsName} to Ingress {ns}/{existing}",
                token => EditIngressAsync(connection, ns, existing, ingress => SolverIngressMapping.AddPath(ingress, route), token), ct),
            { Ingress: { } ingress } => connection.RunAsync($"creating Ingress {ns}/{SolverObjects.Name(route)}",
                KeepingExisting(token => connection.SendAsync((client, t) => client.NetworkingV1.CreateNamespacedIngressAsync(
                    SolverIngressMapping.NewIngress(route, ingress), ns, fieldManager: FieldManager, cancellationToken: t), token)), ct),
            _ => throw new UnreachableException(),
        };
    }

    public Task DeleteSolverRouteAsync(SolverRoute route, CancellationToken ct = default)
    {
        var connection = clusters[route.Challenge.Cluster];
        var ns = route.Challenge.Namespace;
        var name = SolverObjects.Name(route);
        return Target(route) switch
        {
            { HttpRoute: not null } => connection.RunAsync($"deleting HTTPRoute {ns}/{name}",
                IgnoringNotFound(token => connection.SendAsync((client, t) => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                    ResourceKind.HttpRoute.Group, ResourceKind.HttpRoute.Version, ns, ResourceKind.HttpRoute.Plural, name,
                    cancellationToken: t), token)), ct),
            { Ingress.Name: { Length: > 0 } existing } => connection.RunAsync(
                $"removing the HTTP-01 path for {route.DnsName} from Ingress {ns}/{existing}",
                IgnoringNotFound(token =>
                    EditIngressAsync(connection, ns, existing, ingress => SolverIngressMapping.RemovePath(ingress, route), token)), ct),
            _ => connection.RunAsync($"deleting Ingress {ns}/{name}",
                IgnoringNotFound(token => connection.SendAsync((client, t) => client.NetworkingV1.DeleteNamespacedIngressAsync(
                    name, ns, cancellationToken: t), token)), ct),
        };
    }

    private static SolverRoute Target(SolverRoute route) => route.Ingress is null && route.HttpRoute is null
        ? throw new ArgumentException($"the solver route for challenge {route.Challenge} names neither an Ingress nor an HTTPRoute", nameof(route))
        : route;

    /// <summary>
    /// Reads the Ingress, changes it, and writes it back with the resourceVersion read, so a concurrent change by its
    /// owner (or another challenge's path) makes a 409 that the retry re-reads instead of an overwrite.
    /// </summary>
    private static async Task EditIngressAsync(ClusterConnection connection, string ns, string name,
        Func<V1Ingress, bool> edit, CancellationToken ct)
    {
        var ingress = await connection.SendAsync((client, t) => client.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: t), ct);
        if (!edit(ingress))
            return;
        await connection.SendAsync((client, t) => client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, name, ns,
            fieldManager: FieldManager, cancellationToken: t), ct);
    }

    /// <summary>The objects are named after the Challenge, so one that exists is the one an earlier attempt made.</summary>
    private static Func<CancellationToken, Task> KeepingExisting(Func<CancellationToken, Task> create) => async ct =>
    {
        try
        {
            await create(ct);
        }
        catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
        {
        }
    };

    /// <summary>A missing object is success for a delete: that is what was asked for.</summary>
    private static Func<CancellationToken, Task> IgnoringNotFound(Func<CancellationToken, Task> delete) => async ct =>
    {
        try
        {
            await delete(ct);
        }
        catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
        {
        }
    };
}
