using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Acme;

/// <summary>
/// cert-manager's per-Certificate HTTP-01 overrides, carried from the Certificate (where ingress-shim and gateway-shim
/// put them) through its CertificateRequest to the Order: an Ingress to edit in place, an ingress class or
/// ingressClassName for the solver Ingress, or the Gateway its HTTPRoute attaches to. They change the chosen
/// solver's copy in the Challenge, never the issuer.
/// </summary>
public static class SolverOverrides
{
    /// <summary>The annotations this applies; the CertificateRequest hands exactly these to its Order.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        Annotations.Http01OverrideIngressName, Annotations.Http01OverrideIngressClass, Annotations.Http01OverrideIngressClassName,
        Annotations.Http01ParentRefName, Annotations.Http01ParentRefKind, Annotations.Http01ParentRefNamespace,
    ];

    /// <summary>The solver with the overrides applied, or the reason they cannot be (which fails the Order).</summary>
    public static (AcmeChallengeSolver? Solver, string? Error) Apply(AcmeChallengeSolver solver,
        IReadOnlyDictionary<string, string> annotations, string orderNamespace)
    {
        if (solver.Http01 is not { } http01)
            return (solver, null);
        if (http01.Ingress is { } ingress)
        {
            var name = annotations.GetValueOrDefault(Annotations.Http01OverrideIngressName);
            var legacyClass = annotations.GetValueOrDefault(Annotations.Http01OverrideIngressClass);
            var className = annotations.GetValueOrDefault(Annotations.Http01OverrideIngressClassName);
            var given = new[] { name, legacyClass, className }.Count(value => value is not null);
            if (given > 1)
                return (null, $"the Certificate may carry only one of the annotations {Annotations.Http01OverrideIngressName}, " +
                              $"{Annotations.Http01OverrideIngressClass} and {Annotations.Http01OverrideIngressClassName}; remove all but one " +
                              "(on an Ingress: use only one of http01-edit-in-place, http01-ingress-class and http01-ingress-ingressclassname)");
            if (given == 1)
                return (solver with
                {
                    Http01 = http01 with { Ingress = ingress with { Name = name, Class = legacyClass, IngressClassName = className } },
                }, null);
            return (solver, null);
        }
        if (http01.GatewayHttpRoute is { } route)
        {
            var parentName = annotations.GetValueOrDefault(Annotations.Http01ParentRefName);
            var parentKind = annotations.GetValueOrDefault(Annotations.Http01ParentRefKind);
            if ((parentName is null) != (parentKind is null))
                return (null, $"the Certificate carries only one of {Annotations.Http01ParentRefName} and {Annotations.Http01ParentRefKind}; set both or neither");
            var parents = route.ParentRefs ?? [];
            if (parentName is not null)
            {
                var parentNamespace = annotations.GetValueOrDefault(Annotations.Http01ParentRefNamespace) ?? orderNamespace;
                // The issuer's own reference to the same parent gives way to the annotated one.
                parents =
                [
                    .. parents.Where(p => !(p.Name == parentName && p.Namespace == parentNamespace && (p.Kind is null || p.Kind == parentKind))),
                    new GatewayParentReference { Name = parentName, Namespace = parentNamespace, Kind = parentKind },
                ];
            }
            if (parents.Count == 0)
                return (null, "the solver's gatewayHTTPRoute has no parentRefs and the Certificate names no Gateway " +
                              $"({Annotations.Http01ParentRefName}); add parentRefs to the issuer's solver or let gateway-shim create the Certificate");
            return (solver with { Http01 = http01 with { GatewayHttpRoute = route with { ParentRefs = parents } } }, null);
        }
        return (solver, null);
    }
}
