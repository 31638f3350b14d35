using Microsoft.Extensions.Configuration;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// Where solver routes send the CA, and where the silos' addresses come from. Bound from <c>CertFleet</c>; the first
/// two keys are the ones the Challenge grains put in their routes.
/// </summary>
public sealed class SolverServiceOptions
{
    [ConfigurationKeyName("Http01:SolverServiceName")]
    public string ServiceName { get; set; } = "certfleet-solver";

    [ConfigurationKeyName("Http01:SolverPort")]
    public int Port { get; set; } = 8089;

    /// <summary>
    /// The release's own Service that selects the silo pods (the chart's <c>&lt;fullname&gt;-http01</c>). Its
    /// EndpointSlices, which Kubernetes keeps from pod readiness, are copied behind the solver Service of each namespace
    /// with a live HTTP-01 Challenge. Unset (a silo outside the cluster): no solver Services are kept.
    /// </summary>
    [ConfigurationKeyName("Http01:SiloServiceName")]
    public string? SiloServiceName { get; set; }

    /// <summary>Namespace of <see cref="SiloServiceName"/>; in a pod, its own namespace (POD_NAMESPACE).</summary>
    [ConfigurationKeyName("Http01:SiloServiceNamespace")]
    public string? SiloServiceNamespace { get; set; } = Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : null;

    /// <summary>
    /// <c>host:port</c> where member clusters' ingress controllers and Gateways reach the silos' HTTP-01 responder
    /// (e.g. a LoadBalancer in front of the release's http01 Service): a FleetCertificate's solver route in a member
    /// goes to a Service of its own that forwards there. An IP becomes an EndpointSlice, a host name an ExternalName
    /// Service. A member's cluster Secret annotation <c>certfleet.io/http01-endpoint</c> overrides it; with neither,
    /// no route is made in that member and its Challenges get a Warning Event saying so.
    /// </summary>
    [ConfigurationKeyName("Fleet:Http01Endpoint")]
    public string? FleetHttp01Endpoint { get; set; }

    public bool KeepsServices => !string.IsNullOrEmpty(SiloServiceName);
}
