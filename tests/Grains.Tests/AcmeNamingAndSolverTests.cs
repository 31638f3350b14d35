using CertFleet.Grains.Acme;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Tests;

public sealed class AcmeNamingAndSolverTests
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    [Fact]
    public void OrderNamesArePrefixAndDecimalHashAndIgnoreTheCsr()
    {
        var spec = new OrderSpec { Request = [1, 2, 3], IssuerRef = new IssuerRef { Name = "le" }, DnsNames = ["a.example.test"] };
        var name = AcmeNames.OrderName("web-1", spec);
        Assert.Matches(@"^web-1-\d+$", name);
        Assert.Equal(name, AcmeNames.OrderName("web-1", spec with { Request = [9, 9] }));
        Assert.NotEqual(name, AcmeNames.OrderName("web-1", spec with { DnsNames = ["b.example.test"] }));
    }

    [Fact]
    public void LongParentNamesAreCutTo52Characters()
    {
        var name = AcmeNames.ChallengeName(new string('a', 80), new ChallengeSpec { DnsName = "x.test", Token = "t" });
        Assert.StartsWith(new string('a', 52) + "-", name);
        Assert.True(name.Length <= 52 + 1 + 10);
    }

    private static AcmeChallengeSolver Http(AcmeSolverSelector? selector = null) => new() { Http01 = new AcmeHttp01Solver(), Selector = selector };
    private static AcmeChallengeSolver Dns(AcmeSolverSelector? selector = null) => new() { Dns01 = new AcmeDns01Solver(), Selector = selector };

    [Fact]
    public void WildcardsOnlyGetDns01IpsOnlyHttp01AndDnsPolicyRestrictsTheType()
    {
        var solvers = new[] { Http(), Dns() };
        Assert.Same(solvers[0], SolverSelection.Select(solvers, "example.test", false, NoLabels, null));
        Assert.Same(solvers[1], SolverSelection.Select(solvers, "example.test", true, NoLabels, null));
        Assert.Same(solvers[1], SolverSelection.Select(solvers, "example.test", false, NoLabels, DnsPolicies.Dns01));
        Assert.NotNull(SolverSelection.Select([Dns(), Http()], "10.0.0.1", false, NoLabels, null, ipIdentifier: true)?.Http01);
        Assert.Null(SolverSelection.Select([Http()], "example.test", true, NoLabels, null));
        Assert.Null(SolverSelection.Select([Http()], "example.test", false, NoLabels, DnsPolicies.Dns01));
        Assert.Null(SolverSelection.Select([Dns()], "10.0.0.1", false, NoLabels, null, ipIdentifier: true));
    }

    /// <summary>cert-manager's precedence (§1.6) as a table: solvers in list order, the expected winner's index.</summary>
    public static TheoryData<string, AcmeSolverSelector?[], int> Precedence => new()
    {
        { "a selector that matches beats no selector", [null, new AcmeSolverSelector()], 1 },
        { "no selector is the fallback", [new AcmeSolverSelector { DnsZones = ["other.test"] }, null], 1 },
        { "dnsNames beats a longer zone", [new AcmeSolverSelector { DnsZones = ["b.a.example.test"] }, new AcmeSolverSelector { DnsNames = ["c.b.a.example.test"] }], 1 },
        { "longer zone beats shorter zone", [new AcmeSolverSelector { DnsZones = ["example.test"] }, new AcmeSolverSelector { DnsZones = ["a.example.test"] }], 1 },
        { "zone beats labels", [new AcmeSolverSelector { MatchLabels = new() { ["tier"] = "gold", ["team"] = "web" } }, new AcmeSolverSelector { DnsZones = ["example.test"] }], 1 },
        { "same zone: more labels win", [new AcmeSolverSelector { DnsZones = ["example.test"] }, new AcmeSolverSelector { DnsZones = ["example.test"], MatchLabels = new() { ["tier"] = "gold" } }], 1 },
        { "dnsNames with a zone beats dnsNames alone", [new AcmeSolverSelector { DnsNames = ["c.b.a.example.test"] }, new AcmeSolverSelector { DnsNames = ["c.b.a.example.test"], DnsZones = ["example.test"] }], 1 },
        { "more labels win when nothing else differs", [new AcmeSolverSelector { MatchLabels = new() { ["tier"] = "gold" } }, new AcmeSolverSelector { MatchLabels = new() { ["tier"] = "gold", ["team"] = "web" } }], 1 },
        { "ties go to the earlier solver", [new AcmeSolverSelector { DnsZones = ["example.test"] }, new AcmeSolverSelector { DnsZones = ["example.test"] }], 0 },
        { "a label that does not match rules a solver out", [new AcmeSolverSelector { MatchLabels = new() { ["tier"] = "silver" }, DnsNames = ["c.b.a.example.test"] }, null], 1 },
        { "a dnsName that does not match rules a solver out", [new AcmeSolverSelector { DnsNames = ["other.example.test"] }, new AcmeSolverSelector()], 1 },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void SelectorPrecedenceFollowsCertManager(string rule, AcmeSolverSelector?[] selectors, int winner)
    {
        var solvers = selectors.Select(s => Http(s)).ToArray();
        var labels = new Dictionary<string, string> { ["tier"] = "gold", ["team"] = "web" };
        var chosen = SolverSelection.Select(solvers, "c.b.a.example.test", false, labels, null);
        Assert.True(ReferenceEquals(solvers[winner], chosen), rule);
    }

    [Fact]
    public void WildcardsMatchDnsNamesAsStarDotName()
    {
        var star = Dns(new AcmeSolverSelector { DnsNames = ["*.example.test"] });
        var apex = Dns(new AcmeSolverSelector { DnsNames = ["example.test"] });
        Assert.Same(star, SolverSelection.Select([apex, star], "example.test", true, NoLabels, null));
        Assert.Same(apex, SolverSelection.Select([apex, star], "example.test", false, NoLabels, null));
    }
}
