using CertFleet.KubeEmulator;
using CertFleet.KubeEmulator.Audit;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.Rbac.Tests;

/// <summary>
/// Least privilege, proven: the chart's Roles and ClusterRoles bound to the silo's ServiceAccount allow every request
/// the silo made in this run's end-to-end and Durability suites, and grant nothing none of them used.
/// </summary>
public sealed class ChartRbacTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The release the recordings correspond to: the silos ran with the default settings, which are the chart's for this release.</summary>
    private const string Release = "certfleet";
    private const string ReleaseNamespace = "cert-manager";

    /// <summary>
    /// Grants the suites cannot observe, each with why it is needed anyway. Keep this short: prefer a test that makes
    /// the silo use the grant. An entry whose grant leaves the chart fails the test.
    /// </summary>
    private static readonly Dictionary<(string Verb, string Group, string Resource), string> Unobservable = new()
    {
        // Kubernetes.Bridge/ClusterWriter.cs: a create answered AlreadyExists (its answer was lost, or the silo was
        // killed after sending it) reads the stored object back. The crash tests kill silos at random points and
        // only sometimes hit that window.
        [("get", "cert-manager.io", "certificaterequests")] = "a CertificateRequest create answered AlreadyExists is read back",
        [("get", "acme.cert-manager.io", "orders")] = "an Order create answered AlreadyExists is read back",
    };

    /// <summary>Non-resource URLs every authenticated user may get through the cluster's default roles (system:discovery, system:public-info-viewer).</summary>
    private static readonly PolicyRule DefaultDiscovery = new()
    {
        Verbs = ["get"],
        NonResourceUrls = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"],
    };

    private RoleBindings _chart = null!;
    private IReadOnlyList<BoundRule> _rules = [];

    public async Task InitializeAsync()
    {
        // The end-to-end webhook solver test's group is listed as a user lists the webhooks they run.
        var (code, rendered) = await HelmCli.RunAsync(["template", Release, HelmCli.Chart, "--namespace", ReleaseNamespace,
            "--set", $"dns01Webhooks[0].groupName={Dns01WebhookServer.GroupName},dns01Webhooks[0].solverNames={{{Dns01WebhookServer.SolverName}}}"]);
        Assert.True(code == 0, $"helm template failed ({code}):\n{rendered}");
        _chart = RoleBindings.Parse(rendered);
        var deployment = Assert.Single(_chart.Objects, o => o.Kind == "Deployment");
        var serviceAccount = deployment.Spec.Template.Spec.ServiceAccountName ?? "default";
        // The identity the suites' silos used is this ServiceAccount's.
        Assert.Equal(AuditedClientOptions.DefaultUser, $"system:serviceaccount:{ReleaseNamespace}:{serviceAccount}");
        _rules = _chart.RulesOf(ReleaseNamespace, serviceAccount);
        Assert.NotEmpty(_rules);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void EveryRequestTheSiloMade_IsAllowedByTheChart()
    {
        var records = Recordings.OfThisRun;
        output.WriteLine($"{records.Count} distinct requests recorded; by verb and resource (where):");
        foreach (var group in records.GroupBy(Describe).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var namespaces = group.Select(r => r.Namespace).Distinct().ToList();
            var where = namespaces.Count == 1 && namespaces[0] is { } only ? $"in {only}"
                : $"{(namespaces.Contains(null) ? "cluster-wide, " : "")}{namespaces.Count(n => n is not null)} namespace(s)";
            var names = group.Select(r => r.Name).Distinct().ToList();
            output.WriteLine($"  {group.Key} ({where}{(names is [{ } name] ? $", named {name}" : "")})");
        }

        var denied = records.Where(r => !_rules.Any(rule => rule.Allows(r)) && !(!r.IsResourceRequest && DefaultDiscovery.Allows(r)))
            .Select(r => $"{Describe(r)} {r.Namespace}/{r.Name}").Distinct().Order().ToList();
        Assert.True(denied.Count == 0,
            $"the chart's RBAC denies {denied.Count} request(s) the silo made (add the narrowest rule to helm/certfleet/templates/rbac.yaml):\n  " +
            string.Join("\n  ", denied));
    }

    [Fact]
    public void EveryGrantOfTheChart_WasUsedBySomeRequest()
    {
        var records = Recordings.OfThisRun;
        var unused = new List<string>();
        var allowListed = new HashSet<(string, string, string)>();
        foreach (var bound in _rules)
        {
            foreach (var verb in bound.Rule.Verbs)
            foreach (var group in bound.Rule.ApiGroups)
            foreach (var resource in bound.Rule.Resources)
            {
                // One grant: this verb on this resource in this group, by the rule's names and in the binding's scope.
                var grant = new BoundRule(bound.Role, new PolicyRule
                {
                    Verbs = [verb], ApiGroups = [group], Resources = [resource], ResourceNames = bound.Rule.ResourceNames,
                }, bound.Namespace);
                var names = bound.Rule.ResourceNames.Count == 0 ? [null] : bound.Rule.ResourceNames.Cast<string?>();
                foreach (var name in names)
                {
                    if (records.Any(r => grant.Allows(r) && (name is null || r.Name == name)))
                        continue;
                    if (Unobservable.ContainsKey((verb, group, resource)))
                    {
                        allowListed.Add((verb, group, resource));
                        continue;
                    }
                    unused.Add($"{bound.Role}{(bound.Namespace is null ? "" : $" (in {bound.Namespace})")}: {verb} {(group.Length == 0 ? "core" : group)}/{resource}{(name is null ? "" : $" named {name}")}");
                }
            }
        }
        foreach (var ((verb, group, resource), why) in Unobservable)
            output.WriteLine($"not observed, allowed because {why}: {verb} {group}/{resource}{(allowListed.Contains((verb, group, resource)) ? "" : " (observed this run)")}");
        Assert.True(unused.Count == 0,
            $"the chart grants {unused.Count} permission(s) no recorded request used (remove them, or make a test use them):\n  " + string.Join("\n  ", unused));

        var stale = Unobservable.Keys.Where(k => !_rules.Any(b => b.Rule.Verbs.Contains(k.Verb) && b.Rule.ApiGroups.Contains(k.Group) && b.Rule.Resources.Contains(k.Resource))).ToList();
        Assert.True(stale.Count == 0, $"allow-listed grants the chart no longer has (remove them from Unobservable): {string.Join(", ", stale)}");
    }

    [Fact]
    public void NoRuleGrantsByWildcard()
    {
        var wild = _rules.Where(b => b.Rule.Verbs.Contains("*") || b.Rule.ApiGroups.Contains("*") ||
                                     b.Rule.Resources.Any(r => r.Contains('*', StringComparison.Ordinal))).ToList();
        Assert.True(wild.Count == 0, $"wildcards grant what no test can show is needed: {string.Join("; ", wild)}");
    }

    [Fact]
    public void LeaderElectionLeases_AreTheOnesTheSiloUses_InTheReleaseNamespace()
    {
        var silo = Assert.Single(_chart.Objects, o => o.Kind == "Deployment").Spec.Template.Spec.Containers.Single(c => c.Name == "silo");
        string? Setting(string name) => silo.Env.SingleOrDefault(e => e.Name == name)?.Value;
        Assert.Equal(ReleaseNamespace, Setting("CertFleet__LeaseNamespace"));
        var leaseName = Setting("CertFleet__LeaseName");
        Assert.False(string.IsNullOrEmpty(leaseName), "the chart must name the Lease (CertFleet__LeaseName)");

        // Member clusters' Leases are named at runtime (LeaseName-member-NAME), so the rule cannot name them: it is
        // confined to the release namespace instead, and grants only what an election does.
        var leaseRules = _rules.Where(b => b.Rule.Resources.Contains("leases")).ToList();
        Assert.NotEmpty(leaseRules);
        Assert.All(leaseRules, b => Assert.Equal(ReleaseNamespace, b.Namespace));
        Assert.All(leaseRules, b => Assert.Subset(new HashSet<string> { "get", "create", "update" }, b.Rule.Verbs.ToHashSet()));

        // The silos of the suites ran with the settings' defaults: they asked for the home cluster's Lease or a member's.
        var asked = Recordings.OfThisRun.Where(r => r.Resource == "leases").ToList();
        Assert.NotEmpty(asked);
        Assert.All(asked, r => Assert.Equal(ReleaseNamespace, r.Namespace));
        Assert.Contains(asked, r => r.Name == leaseName);
        Assert.All(asked.Where(r => r.Verb != "create"),
            r => Assert.True(r.Name == leaseName || r.Name!.StartsWith(leaseName + "-member-", StringComparison.Ordinal), $"Lease {r.Name}"));
    }

    private static string Describe(AccessRecord r) => r.IsResourceRequest
        ? $"{r.Verb} {(string.IsNullOrEmpty(r.ApiGroup) ? "core" : r.ApiGroup)}/{r.ResourcePath}{(r.Check is null ? "" : $" [{r.Check}]")}"
        : $"{r.Verb} {r.NonResourceUrl}";
}
