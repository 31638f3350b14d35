using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// The Service a FleetCertificate's solver route has in a member cluster, where no silo runs: it forwards to the
/// silos' HTTP-01 endpoint as that member reaches it. Named like the route and owning it, so deleting the Service
/// removes a route left behind; an IP endpoint is a selector-less Service with one EndpointSlice (which every ingress
/// controller and Gateway follows), a host name an ExternalName Service.
/// </summary>
public static class SolverRelay
{
    /// <summary>The relay's port number is the endpoint's, so ExternalName backends (which keep the port) reach it too.</summary>
    public static SolverRoute Backend(SolverRoute route, Endpoint endpoint) =>
        route with { ServiceName = SolverObjects.Name(route), ServicePort = endpoint.Port };

    public static V1Service Service(SolverRoute route, Endpoint endpoint) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = SolverObjects.Name(route),
            NamespaceProperty = route.Challenge.Namespace,
            Labels = new Dictionary<string, string>(SolverObjects.Labels(route, SolverServiceObjects.ServiceLabels())),
        },
        Spec = endpoint.Address is null
            ? new V1ServiceSpec
            {
                Type = "ExternalName",
                ExternalName = endpoint.Host,
                Ports = [new V1ServicePort { Name = SolverServiceObjects.PortName, Port = endpoint.Port, Protocol = "TCP" }],
            }
            : new V1ServiceSpec
            {
                Type = "ClusterIP",
                Ports = [new V1ServicePort { Name = SolverServiceObjects.PortName, Port = endpoint.Port, TargetPort = endpoint.Port, Protocol = "TCP" }],
            },
    };

    /// <summary>The one slice of an IP endpoint, owned by the relay Service.</summary>
    public static V1EndpointSlice Slice(V1Service service, Endpoint endpoint) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = SolverServiceObjects.SliceName(service.Metadata.Name, endpoint.AddressType),
            NamespaceProperty = service.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>
            {
                [SolverServiceObjects.ServiceNameLabel] = service.Metadata.Name,
                [SolverServiceObjects.SliceManagedByLabel] = SolverServiceObjects.SliceManager,
                [SolverServiceObjects.ManagedByLabel] = SolverServiceObjects.ManagedBy,
            },
            OwnerReferences = [Owner(service)],
        },
        AddressType = endpoint.AddressType,
        Endpoints = [new V1Endpoint { Addresses = [endpoint.Address!.ToString()], Conditions = new V1EndpointConditions { Ready = true } }],
        Ports = [new Discoveryv1EndpointPort { Name = SolverServiceObjects.PortName, Port = endpoint.Port, Protocol = "TCP" }],
    };

    public static V1OwnerReference Owner(V1Service service) => new()
    {
        ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid,
        Controller = true, BlockOwnerDeletion = true,
    };

    /// <summary>
    /// The member's endpoint: its registration's, else the fleet-wide setting; a message naming the fix when neither
    /// is usable.
    /// </summary>
    public static (Endpoint? Endpoint, string? Problem) EndpointFor(ClusterRegistration member, SolverServiceOptions options)
    {
        if (member.Http01Endpoint is { Length: > 0 } own)
        {
            return Endpoint.TryParse(own, out var parsed)
                ? (parsed, null)
                : (null, $"the annotation {FleetNames.Http01EndpointAnnotation}=\"{own}\" on the cluster Secret of \"{member.Name}\" is not host:port " +
                         "(a routable IP address, [IPv6] or DNS name, and a port), e.g. 203.0.113.10:8089");
        }
        if (options.FleetHttp01Endpoint is { Length: > 0 } fleetWide && Endpoint.TryParse(fleetWide, out var endpoint))
            return (endpoint, null);
        return (null, $"no address of the silos' HTTP-01 responder is known for member cluster \"{member.Name}\": set CertFleet__Fleet__Http01Endpoint " +
                      $"(chart value fleet.http01Endpoint) to the host:port where member clusters reach the release's http01 Service (e.g. its " +
                      $"LoadBalancer), or annotate that member's cluster Secret with {FleetNames.Http01EndpointAnnotation}");
    }

    /// <summary>host:port of the silos' HTTP-01 responder as a member cluster reaches it.</summary>
    public sealed record Endpoint(string Host, int Port)
    {
        public IPAddress? Address => IPAddress.TryParse(Host, out var address) ? address : null;

        public string AddressType => Address?.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";

        /// <summary>
        /// An IP address (IPv6 in brackets) or DNS name, a colon and a port from 1 to 65535. Kubernetes refuses loopback,
        /// link-local, multicast and unspecified addresses in an EndpointSlice (and they would name the member's own node
        /// anyway), so those are refused here.
        /// </summary>
        public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Endpoint? endpoint)
        {
            endpoint = null;
            var colon = text?.LastIndexOf(':') ?? -1;
            if (colon <= 0 || !int.TryParse(text![(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                return false;
            var host = text[..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                    return false;
                if (!Routable(v6))
                    return false;
                host = v6.ToString();
            }
            else if (IPAddress.TryParse(host, out var v4))
            {
                // An IPv6 address needs its brackets, and an IPv4 one its four parts ("10.1" is not taken for 10.0.0.1).
                if (v4.AddressFamily != AddressFamily.InterNetwork || host.Count(c => c == '.') != 3 || !Routable(v4))
                    return false;
                host = v4.ToString();
            }
            else if (Uri.CheckHostName(host) != UriHostNameType.Dns || host.Length > 253)
            {
                return false;
            }
            endpoint = new Endpoint(host.ToLowerInvariant(), port);
            return true;
        }

        private static bool Routable(IPAddress address)
        {
            if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                return false;
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
                return !address.IsIPv6LinkLocal && !address.IsIPv6Multicast;
            var first = address.GetAddressBytes();
            return !(first[0] == 169 && first[1] == 254) && first[0] is < 224 or > 239;
        }
    }
}
