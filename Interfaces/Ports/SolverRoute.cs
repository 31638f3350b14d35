namespace CertFleet.Interfaces.Ports;

/// <summary>
/// The temporary routing that sends a CA's HTTP-01 request for one challenge to the controller's solver Service:
/// an Ingress (new, or a path added to an existing one for edit-in-place) or a Gateway API HTTPRoute. Owned by the
/// Challenge, so garbage collection removes it with the Challenge.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.SolverRoute")]
public sealed record SolverRoute
{
    /// <summary>The Challenge this route serves (its namespace is the route's namespace).</summary>
    [Id(0)] public required ObjectKey Challenge { get; init; }
    [Id(1)] public required string ChallengeUid { get; init; }
    [Id(2)] public required string DnsName { get; init; }
    [Id(3)] public required string Token { get; init; }
    /// <summary>The Service in front of the silos' HTTP-01 responders, and its port.</summary>
    [Id(4)] public required string ServiceName { get; init; }
    [Id(5)] public required int ServicePort { get; init; }
    [Id(6)] public SolverIngress? Ingress { get; init; }
    [Id(7)] public SolverHttpRoute? HttpRoute { get; init; }
    /// <summary>
    /// Set on the copy of a FleetCertificate's route in a member cluster (<see cref="Challenge"/> then names that
    /// cluster and a placed namespace; no Challenge object exists there): the silos do not run in that cluster, so the
    /// route goes to a Service of its own that forwards to the silos' HTTP-01 endpoint for that member, and both carry
    /// the FleetCertificate label with this name.
    /// </summary>
    [Id(8)] public string? FleetCertificate { get; init; }
}

/// <summary>http01.ingress: a new Ingress with class or ingressClassName, or the named Ingress edited in place.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.SolverIngress")]
public sealed record SolverIngress
{
    [Id(0)] public string? IngressClassName { get; init; }
    /// <summary>Legacy kubernetes.io/ingress.class annotation value.</summary>
    [Id(1)] public string? Class { get; init; }
    /// <summary>Existing Ingress to add the challenge path to instead of creating one.</summary>
    [Id(2)] public string? Name { get; init; }
    [Id(3)] public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    [Id(4)] public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}

/// <summary>http01.gatewayHTTPRoute: an HTTPRoute attached to the given parents.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.SolverHttpRoute")]
public sealed record SolverHttpRoute
{
    [Id(0)] public IReadOnlyList<SolverParentRef> ParentRefs { get; init; } = [];
    [Id(1)] public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

[GenerateSerializer, Immutable, Alias("certfleet.SolverParentRef")]
public sealed record SolverParentRef(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Namespace = null,
    [property: Id(2)] string? Kind = null,
    [property: Id(3)] string? Group = null,
    [property: Id(4)] string? SectionName = null,
    [property: Id(5)] int? Port = null);
