using System.Text.Json;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// The selector-less solver Service of one namespace and its EndpointSlices (one per IP family), which name the silo
/// pods as the release's own Service's EndpointSlices do.
/// </summary>
public static class SolverServiceObjects
{
    /// <summary>Marks the Services and EndpointSlices CertFleet made; anything without it is never changed.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "certfleet";

    /// <summary>Tells the EndpointSlice controllers of Kubernetes that these slices are someone else's.</summary>
    public const string SliceManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string SliceManager = "solver-service.certfleet.io";

    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>The Service's port and the slices' port share this name, which is how kube-proxy pairs them.</summary>
    public const string PortName = "http01";

    public static readonly IReadOnlyList<string> AddressTypes = ["IPv4", "IPv6"];

    public static Dictionary<string, string> ServiceLabels() => new()
    {
        [ManagedByLabel] = ManagedBy,
        [Interfaces.Api.Labels.Http01Solver] = Interfaces.Api.Labels.True,
    };

    public static bool IsOurs(V1ObjectMeta? metadata) => metadata?.Labels is { } labels && labels.TryGetValue(ManagedByLabel, out var value) && value == ManagedBy;

    /// <summary>
    /// No selector, so Kubernetes keeps no endpoints for it; targetPort equals port because kube-proxy and ingress
    /// controllers take the port from the EndpointSlices, which carry the silos' solver port. Dual-stack when the cluster
    /// is, so both families of silo addresses are reachable.
    /// </summary>
    public static V1Service Service(string ns, SolverServiceOptions options) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = options.ServiceName, NamespaceProperty = ns, Labels = ServiceLabels() },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            IpFamilyPolicy = "PreferDualStack",
            Ports = [new V1ServicePort { Name = PortName, Port = options.Port, TargetPort = options.Port, Protocol = "TCP" }],
        },
    };

    /// <summary>Whether the stored Service routes the solver port as <see cref="Service"/> does (defaults aside).</summary>
    public static bool ServesSolverPort(V1Service service, SolverServiceOptions options) =>
        service.Spec?.Selector is not { Count: > 0 }
        && service.Spec?.Ports is [{ } port] && port.Name == PortName && port.Port == options.Port
        && port.Protocol is null or "TCP" && (port.TargetPort is null || port.TargetPort.Value == options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string SliceName(string serviceName, string addressType) => $"{serviceName}-{addressType.ToLowerInvariant()}";

    /// <summary>The slice of one family for the solver Service, owned by it so that deleting the Service removes it.</summary>
    public static V1EndpointSlice Slice(string ns, V1Service service, string addressType, IReadOnlyList<V1Endpoint> endpoints,
        SolverServiceOptions options) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = SliceName(options.ServiceName, addressType),
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                [ServiceNameLabel] = options.ServiceName,
                [SliceManagedByLabel] = SliceManager,
                [ManagedByLabel] = ManagedBy,
            },
            OwnerReferences =
            [
                new V1OwnerReference
                {
                    ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid,
                    Controller = true, BlockOwnerDeletion = true,
                },
            ],
        },
        AddressType = addressType,
        Endpoints = [.. endpoints],
        Ports = [new Discoveryv1EndpointPort { Name = PortName, Port = options.Port, Protocol = "TCP" }],
    };

    /// <summary>Whether the stored slice already says what <paramref name="desired"/> says.</summary>
    public static bool SameContent(V1EndpointSlice stored, V1EndpointSlice desired) =>
        stored.AddressType == desired.AddressType
        && Json(stored.Endpoints ?? []) == Json(desired.Endpoints ?? [])
        && Json(stored.Ports ?? []) == Json(desired.Ports ?? [])
        && desired.Metadata.Labels.All(label => stored.Metadata.Labels is { } labels && labels.TryGetValue(label.Key, out var value) && value == label.Value);

    private static string Json<T>(T value) => KubernetesJson.Serialize(value);

    /// <summary>
    /// The silo endpoints of each IP family, merged from the release Service's EndpointSlices (one address per silo, in
    /// address order so that an unchanged set compares equal). Conditions, node and zone come along, so consumers that
    /// honour readiness or terminating state see what Kubernetes saw; the pod reference does not (it is another namespace).
    /// </summary>
    public static Dictionary<string, List<V1Endpoint>> SiloEndpoints(IEnumerable<SiloSlice> slices)
    {
        var families = new Dictionary<string, List<V1Endpoint>>();
        foreach (var family in slices.Where(slice => AddressTypes.Contains(slice.AddressType)).GroupBy(slice => slice.AddressType))
        {
            families[family.Key] = [.. family.SelectMany(slice => slice.Endpoints)
                .GroupBy(endpoint => endpoint.Addresses[0], StringComparer.Ordinal)
                .Select(same => same.First())
                .OrderBy(endpoint => endpoint.Addresses[0], StringComparer.Ordinal)];
        }
        return families;
    }

    /// <summary>One EndpointSlice of the release's Service, as far as the solver Services need it.</summary>
    public sealed record SiloSlice(string AddressType, IReadOnlyList<V1Endpoint> Endpoints)
    {
        public static SiloSlice Read(JsonElement json)
        {
            var slice = KubernetesJson.Deserialize<V1EndpointSlice>(json.GetRawText());
            var endpoints = (slice.Endpoints ?? [])
                .Where(endpoint => endpoint.Addresses is { Count: > 0 })
                .Select(endpoint => new V1Endpoint
                {
                    Addresses = [.. endpoint.Addresses],
                    Conditions = endpoint.Conditions,
                    NodeName = endpoint.NodeName,
                    Zone = endpoint.Zone,
                })
                .ToList();
            return new SiloSlice(slice.AddressType ?? "", endpoints);
        }
    }
}
