namespace CertFleet.Interfaces.Ports;

/// <summary>A served resource type as the API addresses it: group/version/plural, plus the Kind written in objects.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.ResourceKind")]
public sealed record ResourceKind(
    [property: Id(0)] string Group,
    [property: Id(1)] string Version,
    [property: Id(2)] string Plural,
    [property: Id(3)] string Kind,
    [property: Id(4)] bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static readonly ResourceKind Certificate = new("cert-manager.io", "v1", "certificates", "Certificate", true);
    public static readonly ResourceKind CertificateRequest = new("cert-manager.io", "v1", "certificaterequests", "CertificateRequest", true);
    public static readonly ResourceKind Issuer = new("cert-manager.io", "v1", "issuers", "Issuer", true);
    public static readonly ResourceKind ClusterIssuer = new("cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", false);
    public static readonly ResourceKind Order = new("acme.cert-manager.io", "v1", "orders", "Order", true);
    public static readonly ResourceKind Challenge = new("acme.cert-manager.io", "v1", "challenges", "Challenge", true);
    public static readonly ResourceKind Secret = new("", "v1", "secrets", "Secret", true);
    public static readonly ResourceKind Ingress = new("networking.k8s.io", "v1", "ingresses", "Ingress", true);
    public static readonly ResourceKind HttpRoute = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true);
    public static readonly ResourceKind EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);
    public static readonly ResourceKind Gateway = new("gateway.networking.k8s.io", "v1", "gateways", "Gateway", true);
    public static readonly ResourceKind FleetCertificate = new("certfleet.io", "v1alpha1", "fleetcertificates", "FleetCertificate", false);
}
