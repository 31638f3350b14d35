using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>Exactly one of ingress and gatewayHTTPRoute is set.</summary>
[GenerateSerializer, Alias("certfleet.api.AcmeHttp01Solver")]
public sealed record AcmeHttp01Solver
{
    [Id(0), Description("Route the challenge path through an Ingress.")]
    public AcmeHttp01Ingress? Ingress { get; init; }

    [Id(1), JsonPropertyName("gatewayHTTPRoute"), Description("Route the challenge path through a Gateway API HTTPRoute.")]
    public AcmeHttp01GatewayHttpRoute? GatewayHttpRoute { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeHttp01Ingress")]
public sealed record AcmeHttp01Ingress
{
    [Id(0), Description("Type of the solver Service in cert-manager (NodePort or ClusterIP; any string is accepted, as there). CertFleet makes no solver Service per challenge and does not use it.")]
    public string? ServiceType { get; init; }

    [Id(1), Description("IngressClass of the created solver Ingress. One of ingressClassName, class and name.")]
    public string? IngressClassName { get; init; }

    [Id(2), Description("Value of the legacy kubernetes.io/ingress.class annotation on the solver Ingress. One of ingressClassName, class and name.")]
    public string? Class { get; init; }

    [Id(3), Description("Existing Ingress to add the challenge path to instead of creating one. One of ingressClassName, class and name.")]
    public string? Name { get; init; }

    [Id(4), Description("Overrides for the solver Pod.")]
    public AcmeHttp01PodTemplate? PodTemplate { get; init; }

    [Id(5), Description("Overrides for the created solver Ingress.")]
    public AcmeHttp01IngressTemplate? IngressTemplate { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeHttp01GatewayHttpRoute")]
public sealed record AcmeHttp01GatewayHttpRoute
{
    [Id(0), Description("Type of the solver Service in cert-manager (NodePort or ClusterIP; any string is accepted, as there). CertFleet makes no solver Service per challenge and does not use it.")]
    public string? ServiceType { get; init; }

    [Id(1), Description("Labels put on the created HTTPRoute.")]
    public Dictionary<string, string>? Labels { get; init; }

    [Id(2), Description("Gateways (or listeners) the HTTPRoute attaches to.")]
    public List<GatewayParentReference>? ParentRefs { get; init; }

    [Id(3), Description("Overrides for the solver Pod.")]
    public AcmeHttp01PodTemplate? PodTemplate { get; init; }
}

/// <summary>A Gateway API parentRef.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.GatewayParentReference")]
public sealed record GatewayParentReference
{
    [Id(0), Required, MinLength(1), MaxLength(253), Description("Name of the parent.")]
    public string Name { get; init; } = "";

    [Id(1), Default("gateway.networking.k8s.io"), MaxLength(253), Description("API group of the parent.")]
    public string? Group { get; init; }

    [Id(2), Default("Gateway"), MinLength(1), MaxLength(63), Description("Kind of the parent.")]
    public string? Kind { get; init; }

    [Id(3), MinLength(1), MaxLength(63), Description("Namespace of the parent; the route's namespace when unset.")]
    public string? Namespace { get; init; }

    [Id(4), MinLength(1), MaxLength(253), Description("Listener (section) of the parent to attach to.")]
    public string? SectionName { get; init; }

    [Id(5), Minimum(1), Maximum(65535), Description("Listener port to attach to.")]
    public int? Port { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeHttp01PodTemplate")]
public sealed record AcmeHttp01PodTemplate
{
    [Id(0), Description("Labels and annotations added to the solver Pod.")]
    public TemplateMetadata? Metadata { get; init; }

    [Id(1), Description("Pod spec fields overriding the defaults of the solver Pod.")]
    public AcmeHttp01PodSpec? Spec { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeHttp01IngressTemplate")]
public sealed record AcmeHttp01IngressTemplate
{
    [Id(0), Description("Labels and annotations added to the solver Ingress.")]
    public TemplateMetadata? Metadata { get; init; }
}

/// <summary>
/// The solver Pod settings a user may override. Kubernetes core types (affinity, security context) are kept as
/// raw JSON so they pass through unchanged to the Pod the bridge creates.
/// </summary>
[GenerateSerializer, Alias("certfleet.api.AcmeHttp01PodSpec")]
public sealed record AcmeHttp01PodSpec
{
    [Id(0), Description("Node labels the solver Pod must be scheduled on.")]
    public Dictionary<string, string>? NodeSelector { get; init; }

    [Id(1), PreserveUnknownFields, JsonConverter(typeof(RawJsonConverter)),
     Description("Kubernetes affinity of the solver Pod (JSON object).")]
    public string? Affinity { get; init; }

    [Id(2), Description("Tolerations of the solver Pod.")]
    public List<Toleration>? Tolerations { get; init; }

    [Id(3), Description("PriorityClass of the solver Pod.")]
    public string? PriorityClassName { get; init; }

    [Id(4), Description("Service account the solver Pod runs as.")]
    public string? ServiceAccountName { get; init; }

    // Id 5 held these as LocalObjectReference, whose name is required; a stored value of it is dropped on reading.
    [Id(8), JsonPropertyName("imagePullSecrets"), ListMapKeys("name"), Description("Secrets used to pull the solver image.")]
    public List<ImagePullSecretReference>? ImagePullSecrets { get; init; }

    [Id(6), PreserveUnknownFields, JsonConverter(typeof(RawJsonConverter)),
     Description("Kubernetes Pod security context of the solver Pod (JSON object).")]
    public string? SecurityContext { get; init; }

    [Id(7), Description("CPU and memory requests and limits of the solver container.")]
    public ResourceRequirements? Resources { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.Toleration")]
public sealed record Toleration
{
    [Id(0), Description("Taint key matched; empty with operator Exists matches every taint.")]
    public string? Key { get; init; }

    [Id(1), Description("Exists, Equal, Lt or Gt; Equal when unset or empty. Any string is accepted, as by cert-manager's schema.")]
    public string? Operator { get; init; }

    [Id(2), Description("Taint value matched with operator Equal.")]
    public string? Value { get; init; }

    [Id(3), Description("Taint effect matched (NoSchedule, PreferNoSchedule or NoExecute); all effects when unset or empty.")]
    public string? Effect { get; init; }

    [Id(4), Description("With NoExecute: seconds the Pod stays bound after the taint appears.")]
    public long? TolerationSeconds { get; init; }
}

/// <summary>
/// Kubernetes' core LocalObjectReference, as in a Pod's imagePullSecrets: the API server lets its name be empty for
/// backwards compatibility, and so does cert-manager's schema.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.ImagePullSecretReference")]
public sealed record ImagePullSecretReference
{
    [Id(0), Default(""), Description("Name of the Secret; effectively required, but may be empty.")]
    public string? Name { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.ResourceRequirements")]
public sealed record ResourceRequirements
{
    [Id(0), IntOrString, JsonConverter(typeof(QuantityMapConverter)),
     Description("Most of each resource the container may use, as quantities.")]
    public Dictionary<string, string>? Limits { get; init; }

    [Id(1), IntOrString, JsonConverter(typeof(QuantityMapConverter)),
     Description("Resources reserved for the container, as quantities.")]
    public Dictionary<string, string>? Requests { get; init; }
}
