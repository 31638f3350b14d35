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
    public void WildcardsOnlyGetDns01AndDnsPolicyRestrictsTheType()
    {
        var solvers = new[] { Http(), Dns() };
        Assert.Same(solvers[0], SolverSelection.Select(solvers, "example.test", false, NoLabels, null));
        Assert.Same(solvers[1], SolverSelection.Select(solvers, "example.test", true, NoLabels, null));
        Assert.Same(solvers[1], SolverSelection.Select(solvers, "example.test", false, NoLabels, DnsPolicies.Dns01));
        Assert.Null(SolverSelection.Select([Http()], "example.test", true, NoLabels, null));
        Assert.Null(SolverSelection.Select([Http()], "example.test", false, NoLabels, DnsPolicies.Dns01));
    }

    [Fact]
    public void MatchingSelectorsWinOverTheCatchAll()
    {
        var zone = Http(new AcmeSolverSelector { DnsZones = ["internal.test"] });
        var catchAll = Http();
        Assert.Same(zone, SolverSelection.Select([catchAll, zone], "a.internal.test", false, NoLabels, null));
        Assert.Same(catchAll, SolverSelection.Select([catchAll, zone], "a.public.test", false, NoLabels, null));
        var labelled = Http(new AcmeSolverSelector { MatchLabels = new() { ["tier"] = "gold" } });
        Assert.Same(labelled, SolverSelection.Select([catchAll, labelled], "x.test", false, new Dictionary<string, string> { ["tier"] = "gold" }, null));
    }
}
