using CertFleet.Grains.Fleet;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Tests.Fleet;

/// <summary>Bad FleetCertificate specs: each problem names the field and the fix.</summary>
public sealed class FleetSpecValidationTests
{
    public static FleetCertificate Valid(string name = "web") => new()
    {
        Metadata = new ObjectMeta { Name = name, Uid = "uid-" + name, Generation = 1 },
        Spec = new FleetCertificateSpec
        {
            Certificate = new CertificateSpec
            {
                SecretName = "web-tls",
                IssuerRef = new IssuerRef { Name = "ca", Kind = "ClusterIssuer" },
                DnsNames = ["web.example.test"],
            },
            Placement = new FleetCertificatePlacement { Clusters = ["home"], Namespaces = ["apps"] },
        },
    };

    public static TheoryData<string, Func<FleetCertificate, FleetCertificate>, string> Cases => new()
    {
        { "no clusters and no selector", f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { Clusters = null } } }, "spec.placement: Required value" },
        { "no namespaces", f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { Namespaces = [] } } }, "spec.placement.namespaces: Required value" },
        { "a bad namespace", f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { Namespaces = ["Apps_1"] } } }, "spec.placement.namespaces: Invalid value: \"Apps_1\"" },
        { "a cluster name with a slash", f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { Clusters = ["a/b"] } } }, "spec.placement.clusters: Invalid value: \"a/b\"" },
        {
            "In without values",
            f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { ClusterSelector = new LabelSelector { MatchExpressions = [new() { Key = "env", Operator = "In" }] } } } },
            "spec.placement.clusterSelector.matchExpressions[0].values: Required value"
        },
        {
            "an unknown operator",
            f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { ClusterSelector = new LabelSelector { MatchExpressions = [new() { Key = "env", Operator = "Equals", Values = ["x"] }] } } } },
            "spec.placement.clusterSelector.matchExpressions[0].operator: Unsupported value \"Equals\""
        },
        {
            "a bad matchLabels key",
            f => f with { Spec = f.Spec with { Placement = f.Spec.Placement with { ClusterSelector = new LabelSelector { MatchLabels = new() { ["-bad"] = "x" } } } } },
            "spec.placement.clusterSelector.matchLabels: Invalid key \"-bad\""
        },
        { "the Certificate spec's own checks", f => f with { Spec = f.Spec with { Certificate = f.Spec.Certificate with { SecretName = "" } } }, "spec.certificate.secretName: Required value" },
        {
            "an inline keystore password",
            f => f with { Spec = f.Spec with { Certificate = f.Spec.Certificate with { Keystores = new CertificateKeystores { Pkcs12 = new Pkcs12Keystore { Create = true, Password = "secret" } } } } },
            "spec.certificate.keystores.pkcs12.password: inline passwords are not accepted"
        },
        { "a name too long for a label value", f => f with { Metadata = f.Metadata with { Name = new string('a', 64) } }, "metadata.name: Too long: 64 characters" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_problem_names_its_field(string _, Func<FleetCertificate, FleetCertificate> change, string expected)
    {
        var problems = FleetSpecValidation.Validate(change(Valid()));
        Assert.Contains(problems, problem => problem.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_valid_spec_has_no_problems() => Assert.Empty(FleetSpecValidation.Validate(Valid()));
}
