using CertFleet.Grains.Acme;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Tests;

/// <summary>The HTTP-01 overrides ingress-shim and gateway-shim put on Certificates, as the Order applies them to a solver.</summary>
public sealed class SolverOverridesTests
{
    private static readonly AcmeChallengeSolver IngressSolver = new()
    {
        Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress { Class = "nginx", IngressClassName = "nginx-new", Name = null } },
    };

    private static AcmeChallengeSolver RouteSolver(params GatewayParentReference[] parents) => new()
    {
        Http01 = new AcmeHttp01Solver { GatewayHttpRoute = new AcmeHttp01GatewayHttpRoute { ParentRefs = [.. parents] } },
    };

    [Fact]
    public void Without_overrides_the_solver_is_used_as_configured()
    {
        var (solver, error) = SolverOverrides.Apply(IngressSolver, new Dictionary<string, string>(), "shop");
        Assert.Null(error);
        Assert.Same(IngressSolver, solver);
    }

    [Theory]
    [InlineData(Annotations.Http01OverrideIngressName, "web", "web", null, null)]
    [InlineData(Annotations.Http01OverrideIngressClass, "traefik", null, "traefik", null)]
    [InlineData(Annotations.Http01OverrideIngressClassName, "internal", null, null, "internal")]
    public void One_ingress_override_replaces_name_class_and_ingress_class_name(string key, string value, string? name, string? legacyClass, string? className)
    {
        var (solver, error) = SolverOverrides.Apply(IngressSolver, new Dictionary<string, string> { [key] = value }, "shop");
        Assert.Null(error);
        var ingress = solver!.Http01!.Ingress!;
        Assert.Equal((name, legacyClass, className), (ingress.Name, ingress.Class, ingress.IngressClassName));
        Assert.Equal("nginx", IngressSolver.Http01!.Ingress!.Class); // the issuer's solver is not changed
    }

    [Fact]
    public void Two_ingress_overrides_at_once_are_refused_naming_both()
    {
        var (solver, error) = SolverOverrides.Apply(IngressSolver, new Dictionary<string, string>
        {
            [Annotations.Http01OverrideIngressName] = "web", [Annotations.Http01OverrideIngressClass] = "traefik",
        }, "shop");
        Assert.Null(solver);
        Assert.Contains(Annotations.Http01OverrideIngressName, error);
        Assert.Contains(Annotations.Http01OverrideIngressClass, error);
    }

    [Fact]
    public void The_gateway_parent_ref_replaces_the_issuers_reference_to_the_same_gateway_and_keeps_others()
    {
        var solver = RouteSolver(new GatewayParentReference { Name = "gw", Namespace = "shop" }, new GatewayParentReference { Name = "edge", Namespace = "infra" });
        var (applied, error) = SolverOverrides.Apply(solver, new Dictionary<string, string>
        {
            [Annotations.Http01ParentRefName] = "gw", [Annotations.Http01ParentRefKind] = "Gateway",
        }, "shop");
        Assert.Null(error);
        var parents = applied!.Http01!.GatewayHttpRoute!.ParentRefs!;
        Assert.Equal([("edge", "infra", (string?)null), ("gw", "shop", "Gateway")], parents.Select(p => (p.Name, p.Namespace, p.Kind)));
    }

    [Fact]
    public void A_gateway_route_without_any_parent_and_half_a_parent_ref_are_refused()
    {
        Assert.Contains("no parentRefs", SolverOverrides.Apply(RouteSolver(), new Dictionary<string, string>(), "shop").Error);
        Assert.Contains(Annotations.Http01ParentRefKind, SolverOverrides.Apply(RouteSolver(new GatewayParentReference { Name = "gw" }),
            new Dictionary<string, string> { [Annotations.Http01ParentRefName] = "gw" }, "shop").Error);
        var (solver, error) = SolverOverrides.Apply(RouteSolver(), new Dictionary<string, string>
        {
            [Annotations.Http01ParentRefName] = "gw", [Annotations.Http01ParentRefKind] = "Gateway", [Annotations.Http01ParentRefNamespace] = "infra",
        }, "shop");
        Assert.Null(error);
        Assert.Equal("infra", Assert.Single(solver!.Http01!.GatewayHttpRoute!.ParentRefs!).Namespace);
    }
}
