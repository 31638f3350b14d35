using CertFleet.Interfaces.Api;
using CertFleet.Kubernetes.Bridge.Shims;

namespace CertFleet.Bridge.Tests.Shims;

/// <summary>Which hosts of an Ingress or Gateway the Certificate writing their Secret leaves uncovered.</summary>
public sealed class HostCoverageTests
{
    [Theory]
    [InlineData("*.example.com", "www.example.com", true)]
    [InlineData("*.example.com", "WWW.Example.COM", true)]
    [InlineData("*.example.com", "example.com", false)]          // not the apex
    [InlineData("*.example.com", "a.b.example.com", false)]      // one level only
    [InlineData("*.example.com", "*.example.com", true)]
    [InlineData("*.example.com", "*.b.example.com", false)]
    [InlineData("*.example.com", "wwwexample.com", false)]
    [InlineData("www.example.com", "www.example.com", true)]
    [InlineData("www.example.com", "api.example.com", false)]
    [InlineData("example.com", "*.example.com", false)]
    public void A_name_covers_itself_and_a_wildcard_one_label_below_its_apex(string name, string host, bool covered) =>
        Assert.Equal(covered, WildcardCoverage.Covers(name, host));

    private static Certificate Wildcard(string name = "wild", string secret = "wild-tls") => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new CertificateSpec { SecretName = secret, DnsNames = ["*.example.com"], IpAddresses = ["10.0.0.1"] },
    };

    [Fact]
    public void Hosts_two_levels_under_the_wildcard_and_the_apex_are_reported_with_host_secret_and_certificate()
    {
        var target = new ShimTarget("wild-tls", ["www.example.com", "a.b.example.com", "example.com", "10.0.0.1", "10.0.0.2"], "spec.tls[0]");
        var problems = ClusterShims.CoverageProblems([target], [Wildcard()]).ToList();

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("Host \"a.b.example.com\" of spec.tls[0] is not covered by Certificate \"wild\", which writes Secret \"wild-tls\"", problems[0]);
        Assert.StartsWith("Host \"example.com\" of spec.tls[0]", problems[1]);
        Assert.StartsWith("Host \"10.0.0.2\" of spec.tls[0]", problems[2]);
        Assert.All(problems, p => Assert.Contains("add \"", p));
    }

    [Fact]
    public void Only_the_certificate_writing_the_served_secret_counts()
    {
        var target = new ShimTarget("other-tls", ["a.b.example.com"], "spec.tls[0]");
        Assert.Empty(ClusterShims.CoverageProblems([target], [Wildcard()]));
        Assert.Single(ClusterShims.CoverageProblems([target], [Wildcard(), Wildcard("other", "other-tls")]));
    }

    [Fact]
    public void A_certificate_naming_its_apex_beside_the_wildcard_covers_both()
    {
        var certificate = Wildcard() with { Spec = Wildcard().Spec with { DnsNames = ["*.example.com", "example.com"] } };
        Assert.Empty(ClusterShims.CoverageProblems([new ShimTarget("wild-tls", ["example.com", "www.example.com"], "spec.listeners[0]")], [certificate]));
        Assert.Empty(WildcardCoverage.UncoveredApexes(certificate.Spec));
        Assert.Equal(["example.com"], WildcardCoverage.UncoveredApexes(Wildcard().Spec));
    }
}
