using CertFleet.Interfaces.Ports;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>The networking.k8s.io/v1 Ingress side of an HTTP-01 solver: a new Ingress, or one path in an existing one.</summary>
public static class SolverIngressMapping
{
    public const string ClassAnnotation = "kubernetes.io/ingress.class";

    /// <summary>cert-manager sets this so an nginx allow-list on the host does not block the CA.</summary>
    public const string WhitelistAnnotation = "nginx.ingress.kubernetes.io/whitelist-source-range";

    private const string PathType = "ImplementationSpecific";

    public static V1Ingress NewIngress(SolverRoute route, SolverIngress ingress, V1OwnerReference owner)
    {
        var annotations = new Dictionary<string, string> { [WhitelistAnnotation] = "0.0.0.0/0,::/0" };
        if (ingress.Class is { Length: > 0 } legacyClass)
            annotations[ClassAnnotation] = legacyClass;
        // The template's annotations come last, as in cert-manager, so users can override the defaults.
        foreach (var (name, value) in ingress.Annotations)
            annotations[name] = value;

        return new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = new V1ObjectMeta
            {
                Name = SolverObjects.Name(route),
                NamespaceProperty = route.Challenge.Namespace,
                Labels = SolverObjects.Labels(route, ingress.Labels),
                Annotations = annotations,
                OwnerReferences = [owner],
            },
            Spec = new V1IngressSpec
            {
                IngressClassName = string.IsNullOrEmpty(ingress.IngressClassName) ? null : ingress.IngressClassName,
                Rules = [new V1IngressRule { Host = SolverObjects.Host(route), Http = new V1HTTPIngressRuleValue { Paths = [SolverPath(route)] } }],
            },
        };
    }

    /// <summary>Adds the challenge path under the dnsName rule (the host-less rule for an IP) of an existing Ingress; false when it is already there.</summary>
    public static bool AddPath(V1Ingress ingress, SolverRoute route)
    {
        ingress.Spec ??= new V1IngressSpec();
        ingress.Spec.Rules ??= [];
        if (ingress.Spec.Rules.Any(rule => rule.Host == SolverObjects.Host(route) && (rule.Http?.Paths ?? []).Any(path => IsSolverPath(path, route))))
            return false;

        var hostRule = ingress.Spec.Rules.FirstOrDefault(rule => rule.Host == SolverObjects.Host(route) && rule.Http is not null);
        if (hostRule is null)
            ingress.Spec.Rules.Add(new V1IngressRule { Host = SolverObjects.Host(route), Http = new V1HTTPIngressRuleValue { Paths = [SolverPath(route)] } });
        else
            hostRule.Http.Paths.Add(SolverPath(route));
        return true;
    }

    /// <summary>
    /// Removes exactly the path <see cref="AddPath"/> added, and the dnsName rule when that path was all it held;
    /// false when there was nothing to remove.
    /// </summary>
    public static bool RemovePath(V1Ingress ingress, SolverRoute route)
    {
        var removed = false;
        foreach (var rule in (ingress.Spec?.Rules ?? []).Where(rule => rule.Host == SolverObjects.Host(route) && rule.Http?.Paths is not null).ToList())
        {
            foreach (var path in rule.Http.Paths.Where(path => IsSolverPath(path, route)).ToList())
                removed |= rule.Http.Paths.Remove(path);
            if (rule.Http.Paths.Count == 0)
                ingress.Spec!.Rules.Remove(rule);
        }
        return removed;
    }

    private static V1HTTPIngressPath SolverPath(SolverRoute route) => new()
    {
        Path = SolverObjects.Path(route),
        PathType = PathType,
        Backend = new V1IngressBackend
        {
            Service = new V1IngressServiceBackend
            {
                Name = route.ServiceName,
                Port = new V1ServiceBackendPort { Number = route.ServicePort },
            },
        },
    };

    private static bool IsSolverPath(V1HTTPIngressPath path, SolverRoute route) =>
        path.Path == SolverObjects.Path(route) && path.Backend?.Service?.Name == route.ServiceName;
}
