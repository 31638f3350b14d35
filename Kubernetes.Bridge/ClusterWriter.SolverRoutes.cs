using System.Diagnostics;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Solving;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>HTTP-01 solver routes: the Ingress or HTTPRoute that sends the CA's request to the solver Service.</summary>
public sealed partial class ClusterWriter
{
    public Task ApplySolverRouteAsync(SolverRoute route, CancellationToken ct = default) => route.FleetCertificate is null
        ? ApplyRouteAsync(clusters[route.Challenge.Cluster], route, SolverObjects.OwnerReference(route), ct)
        : ApplyMemberRouteAsync(route, ct);

    public Task DeleteSolverRouteAsync(SolverRoute route, CancellationToken ct = default) => route.FleetCertificate is null
        ? DeleteRouteAsync(clusters[route.Challenge.Cluster], route, ct)
        : DeleteMemberRouteAsync(route, ct);

    private static Task ApplyRouteAsync(ClusterConnection connection, SolverRoute route, V1OwnerReference owner, CancellationToken ct)
    {
        var ns = route.Challenge.Namespace;
        return Target(route) switch
        {
            { HttpRoute: { } httpRoute } => connection.RunAsync($"creating HTTPRoute {ns}/{SolverObjects.Name(route)}",
                KeepingExisting(token => connection.SendAsync((client, t) => client.CustomObjects.CreateNamespacedCustomObjectAsync(
                    SolverHttpRouteMapping.NewHttpRoute(route, httpRoute, owner), ResourceKind.HttpRoute.Group,
                    ResourceKind.HttpRoute.Version, ns, ResourceKind.HttpRoute.Plural, fieldManager: FieldManager,
                    cancellationToken: t), token)), ct),
            { Ingress.Name: { Length: > 0 } existing } => connection.RunAsync(
                $"adding the HTTP-01 path for {route.DnsName} to Ingress {ns}/{existing}",
                token => EditIngressAsync(connection, ns, existing, ingress => SolverIngressMapping.AddPath(ingress, route), token), ct),
            { Ingress: { } ingress } => connection.RunAsync($"creating Ingress {ns}/{SolverObjects.Name(route)}",
                KeepingExisting(token => connection.SendAsync((client, t) => client.NetworkingV1.CreateNamespacedIngressAsync(
                    SolverIngressMapping.NewIngress(route, ingress, owner), ns, fieldManager: FieldManager, cancellationToken: t), token)), ct),
            _ => throw new UnreachableException(),
        };
    }

    private static Task DeleteRouteAsync(ClusterConnection connection, SolverRoute route, CancellationToken ct)
    {
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

    /// <summary>
    /// A FleetCertificate's route in a member cluster: first its relay Service (and slice) towards the silos' HTTP-01
    /// endpoint for that member, then the route to it, owned by that Service. Refused, naming the fix, when no endpoint
    /// is known for the member (and, as every write, when it is not a member).
    /// </summary>
    private async Task ApplyMemberRouteAsync(SolverRoute route, CancellationToken ct)
    {
        var connection = clusters[route.Challenge.Cluster];
        var (endpoint, problem) = SolverRelay.EndpointFor(connection.Registration, solverOptions?.Value ?? new SolverServiceOptions());
        if (endpoint is null)
            throw new ClusterWriteException(problem!);
        var ns = route.Challenge.Namespace;
        var desired = SolverRelay.Service(route, endpoint);
        var name = desired.Metadata.Name;
        var service = await connection.RunAsync($"creating Service {ns}/{name}", async token =>
        {
            try
            {
                return await connection.SendAsync((client, t) => client.CoreV1.CreateNamespacedServiceAsync(desired, ns,
                    fieldManager: FieldManager, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
            {
                return await connection.SendAsync((client, t) => client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: t), token);
            }
        }, ct);
        if (endpoint.Address is not null)
        {
            var slice = SolverRelay.Slice(service, endpoint);
            await connection.RunAsync($"creating EndpointSlice {ns}/{slice.Metadata.Name}",
                KeepingExisting(token => connection.SendAsync((client, t) => client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns,
                    fieldManager: FieldManager, cancellationToken: t), token)), ct);
        }
        await ApplyRouteAsync(connection, SolverRelay.Backend(route, endpoint), SolverRelay.Owner(service), ct);
    }

    /// <summary>The route, then the relay's slices and Service.</summary>
    private async Task DeleteMemberRouteAsync(SolverRoute route, CancellationToken ct)
    {
        var connection = clusters[route.Challenge.Cluster];
        var ns = route.Challenge.Namespace;
        var name = SolverObjects.Name(route);
        // The backend's name is what an edited Ingress's path is matched by; its port does not matter for deleting.
        await DeleteRouteAsync(connection, route with { ServiceName = name }, ct);
        foreach (var addressType in SolverServiceObjects.AddressTypes)
        {
            var slice = SolverServiceObjects.SliceName(name, addressType);
            await connection.RunAsync($"deleting EndpointSlice {ns}/{slice}",
                IgnoringNotFound(token => connection.SendAsync((client, t) => client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(
                    slice, ns, cancellationToken: t), token)), ct);
        }
        await connection.RunAsync($"deleting Service {ns}/{name}",
            IgnoringNotFound(token => connection.SendAsync((client, t) => client.CoreV1.DeleteNamespacedServiceAsync(
                name, ns, cancellationToken: t), token)), ct);
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
