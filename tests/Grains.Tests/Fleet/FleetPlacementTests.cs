using CertFleet.Grains.Fleet;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests.Fleet;

/// <summary>Which members and namespaces a FleetCertificate's placement selects, as tables.</summary>
public sealed class FleetPlacementTests
{
    private static readonly IReadOnlyList<FleetMember> Members =
    [
        new("home", true, new Dictionary<string, string>()),
        new("eu-1", false, new Dictionary<string, string> { ["env"] = "prod", ["region"] = "eu" }),
        new("us-1", false, new Dictionary<string, string> { ["env"] = "prod", ["region"] = "us" }),
        new("dev-1", false, new Dictionary<string, string> { ["env"] = "dev" }),
    ];

    public static TheoryData<string, FleetCertificatePlacement, string[]> Cases => new()
    {
        { "names only", Placement(clusters: ["home", "us-1"]), ["home/apps", "us-1/apps"] },
        { "a name not in the fleet", Placement(clusters: ["gone"]), [] },
        { "matchLabels", Placement(selector: new LabelSelector { MatchLabels = new() { ["env"] = "prod" } }), ["eu-1/apps", "us-1/apps"] },
        { "empty selector matches every member", Placement(selector: new LabelSelector()), ["dev-1/apps", "eu-1/apps", "home/apps", "us-1/apps"] },
        { "names add to the selector", Placement(selector: new LabelSelector { MatchLabels = new() { ["region"] = "eu" } }, clusters: ["home"]), ["eu-1/apps", "home/apps"] },
        { "In", Placement(selector: Expression("region", LabelSelectorOperators.In, "us", "ap")), ["us-1/apps"] },
        { "NotIn also matches members without the label", Placement(selector: Expression("env", LabelSelectorOperators.NotIn, "dev")), ["eu-1/apps", "home/apps", "us-1/apps"] },
        { "Exists", Placement(selector: Expression("region", LabelSelectorOperators.Exists)), ["eu-1/apps", "us-1/apps"] },
        { "DoesNotExist", Placement(selector: Expression("env", LabelSelectorOperators.DoesNotExist)), ["home/apps"] },
        {
            "matchLabels and expressions must all hold",
            Placement(selector: new LabelSelector
            {
                MatchLabels = new() { ["env"] = "prod" },
                MatchExpressions = [new LabelSelectorRequirement { Key = "region", Operator = LabelSelectorOperators.NotIn, Values = ["eu"] }],
            }),
            ["us-1/apps"]
        },
        { "every namespace in every placed member, once", Placement(clusters: ["eu-1", "eu-1"], namespaces: ["b", "a", "b"]), ["eu-1/a", "eu-1/b"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Placement_selects_members_by_name_or_registration_labels_times_namespaces(string _, FleetCertificatePlacement placement, string[] expected)
    {
        var placed = FleetPlacementMatch.Placements(placement, Members).Select(p => $"{p.Cluster}/{p.Namespace}");
        Assert.Equal(expected, placed);
    }

    [Fact]
    public void A_relabelled_member_stops_matching()
    {
        var placement = Placement(selector: new LabelSelector { MatchLabels = new() { ["env"] = "prod" } });
        Assert.Contains(new FleetPlacement("eu-1", "apps"), FleetPlacementMatch.Placements(placement, Members));

        var relabelled = Members.Select(m => m.Name == "eu-1" ? m with { Labels = new Dictionary<string, string> { ["env"] = "staging" } } : m).ToList();
        Assert.DoesNotContain(relabelled, m => FleetPlacementMatch.Placements(placement, relabelled).Any(p => p.Cluster == "eu-1"));
    }

    private static FleetCertificatePlacement Placement(LabelSelector? selector = null, List<string>? clusters = null, List<string>? namespaces = null) =>
        new() { ClusterSelector = selector, Clusters = clusters, Namespaces = namespaces ?? ["apps"] };

    private static LabelSelector Expression(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new LabelSelectorRequirement { Key = key, Operator = op, Values = values.Length > 0 ? [.. values] : null }] };
}
