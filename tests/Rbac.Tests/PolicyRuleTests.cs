using CertFleet.KubeEmulator.Audit;

namespace CertFleet.Rbac.Tests;

/// <summary>The RBAC matching this project's check relies on, against the authorizer's documented rules.</summary>
public sealed class PolicyRuleTests
{
    private static AccessRecord Request(string verb, string group, string resource, string? sub = null, string? ns = "shop", string? name = null) =>
        new("u", verb, group, resource, sub, ns, name);

    [Theory]
    // resources: exact, "resource/subresource", "*", "*/subresource"; a plain resource grant does not cover its subresources
    [InlineData("secrets", "get", "", "secrets", null, true)]
    [InlineData("secrets", "get", "", "secrets", "status", false)]
    [InlineData("certificates/status", "patch", "cert-manager.io", "certificates", "status", true)]
    [InlineData("certificates/status", "patch", "cert-manager.io", "certificates", null, false)]
    [InlineData("*", "patch", "cert-manager.io", "certificates", "status", true)]
    [InlineData("*/status", "patch", "cert-manager.io", "certificates", "status", true)]
    [InlineData("*/status", "patch", "cert-manager.io", "certificates", null, false)]
    public void Resources(string granted, string verb, string group, string resource, string? sub, bool allowed)
    {
        var rule = new PolicyRule { ApiGroups = [group], Resources = [granted], Verbs = [verb] };
        Assert.Equal(allowed, rule.Allows(Request(verb, group, resource, sub)));
    }

    [Fact]
    public void VerbsAndGroups_MatchExactlyOrByWildcard()
    {
        var rule = new PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create", "patch"] };
        Assert.True(rule.Allows(Request("patch", "", "events")));
        Assert.False(rule.Allows(Request("update", "", "events")));
        Assert.False(rule.Allows(Request("create", "events.k8s.io", "events")));
        Assert.True(new PolicyRule { ApiGroups = ["*"], Resources = ["events"], Verbs = ["*"] }.Allows(Request("update", "events.k8s.io", "events")));
    }

    [Fact]
    public void ResourceNames_AllowOnlyRequestsNamingOneOfThem()
    {
        var rule = new PolicyRule { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = ["get", "create"], ResourceNames = ["certfleet-controller"] };
        Assert.True(rule.Allows(Request("get", "coordination.k8s.io", "leases", name: "certfleet-controller")));
        Assert.False(rule.Allows(Request("get", "coordination.k8s.io", "leases", name: "other")));
        // A create names nothing in its URL, so a rule with resourceNames never allows it.
        Assert.False(rule.Allows(Request("create", "coordination.k8s.io", "leases")));
    }

    [Fact]
    public void RoleBindingScope_IsItsNamespace_ClusterRoleBindingScope_IsEverywhere()
    {
        var rule = new PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = ["list"] };
        var inRelease = new BoundRule("Role r", rule, "cert-manager");
        Assert.True(inRelease.Allows(Request("list", "", "secrets", ns: "cert-manager")));
        Assert.False(inRelease.Allows(Request("list", "", "secrets", ns: "shop")));
        Assert.False(inRelease.Allows(Request("list", "", "secrets", ns: null))); // across all namespaces
        Assert.True(new BoundRule("ClusterRole c", rule, null).Allows(Request("list", "", "secrets", ns: null)));
    }

    [Fact]
    public void NonResourceUrls_MatchExactlyOrByTrailingStar()
    {
        var rule = new PolicyRule { Verbs = ["get"], NonResourceUrls = ["/version", "/apis/*"] };
        Assert.True(rule.Allows(new AccessRecord("u", "get", NonResourceUrl: "/version")));
        Assert.True(rule.Allows(new AccessRecord("u", "get", NonResourceUrl: "/apis/cert-manager.io/v1")));
        Assert.False(rule.Allows(new AccessRecord("u", "get", NonResourceUrl: "/metrics")));
        Assert.False(rule.Allows(new AccessRecord("u", "post", NonResourceUrl: "/version")));
        Assert.False(rule.Allows(Request("get", "", "secrets")));
    }

    [Fact]
    public void RenderedBindings_GiveEachRuleItsScope()
    {
        const string manifests = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: wide}
            rules:
              - apiGroups: [""]
                resources: [secrets]
                verbs: [get]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: narrow, namespace: cert-manager}
            rules:
              - apiGroups: [coordination.k8s.io]
                resources: [leases]
                resourceNames: [l]
                verbs: [update]
            ---
            kind: ClusterRoleBinding
            metadata: {name: wide}
            roleRef: {kind: ClusterRole, name: wide}
            subjects: [{kind: ServiceAccount, name: sa, namespace: cert-manager}]
            ---
            kind: RoleBinding
            metadata: {name: narrow, namespace: cert-manager}
            roleRef: {kind: Role, name: narrow}
            subjects: [{kind: ServiceAccount, name: sa, namespace: cert-manager}]
            ---
            kind: RoleBinding
            metadata: {name: someone-else, namespace: cert-manager}
            roleRef: {kind: ClusterRole, name: wide}
            subjects: [{kind: ServiceAccount, name: other, namespace: cert-manager}]
            """;
        var rules = RoleBindings.Parse(manifests).RulesOf("cert-manager", "sa");
        Assert.Equal(2, rules.Count);
        Assert.Null(rules.Single(r => r.Role == "ClusterRole wide").Namespace);
        var lease = rules.Single(r => r.Role == "Role narrow");
        Assert.Equal("cert-manager", lease.Namespace);
        Assert.Equal(["l"], lease.Rule.ResourceNames);
        Assert.Empty(RoleBindings.Parse(manifests).RulesOf("cert-manager", "nobody"));
    }
}
