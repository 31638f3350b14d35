using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Tests;

/// <summary>The built-in approver's signers as a table: issuerRef and configured signer names in, approved or not out.</summary>
public sealed class SignerNamesTests
{
    private static readonly string[] WithStep = ["issuers.cert-manager.io/*", "clusterissuers.cert-manager.io/*", "stepissuers.certmanager.step.sm/*"];

    public static TheoryData<string?, string?, string[], bool> Cases() => new()
    {
        // kind, group, configured signer names (empty: the default), approved
        { "Issuer", "cert-manager.io", [], true },
        { null, null, [], true }, // the API server's defaults: Issuer of cert-manager.io
        { "ClusterIssuer", "", [], true },
        { "StepIssuer", "certmanager.step.sm", [], false }, // cert-manager's chart approves only its own signers
        { "StepIssuer", "certmanager.step.sm", WithStep, true },
        { "StepClusterIssuer", "certmanager.step.sm", WithStep, false }, // another resource of the same group
        { "AWSPCAIssuer", "awspca.cert-manager.io", [], false }, // a cert-manager.io suffix is another group
        { "AWSPCAClusterIssuer", "awspca.cert-manager.io", ["awspcaclusterissuers.awspca.cert-manager.io/*"], true },
        { "GoogleCASIssuer", "cas-issuer.jetstack.io", ["googlecasissuers.cas-issuer.jetstack.io/*"], true },
        { "OriginIssuer", "cert-manager.k8s.cloudflare.com", ["OriginIssuers.cert-manager.k8s.cloudflare.com/*"], true }, // names compare case-insensitively
        { "Issuer", "cert-manager.io", ["stepissuers.certmanager.step.sm/*"], false }, // a list replaces the default
        { "Policy", "example.test", ["policies.example.test/*"], true }, // -y becomes -ies
        { "Class", "example.test", ["classes.example.test/*"], true }, // -s becomes -ses
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Approves(string? kind, string? group, string[] configured, bool approved)
    {
        var options = new IssuanceOptions { ApproverSignerNames = [.. configured] };

        Assert.Equal(approved, SignerNames.Approves(options.ApprovedSigners(), new IssuerRef { Name = "any", Kind = kind, Group = group }));
    }

    public static TheoryData<string, string?> Names() => new()
    {
        { "stepissuers.certmanager.step.sm/*", null },
        { "issuers.cert-manager.io/*", null },
        { "stepissuers.certmanager.step.sm/default.step", "\"stepissuers.certmanager.step.sm/default.step\" must be <resource>.<group>/* (all issuers of one kind), e.g. stepissuers.certmanager.step.sm/*" },
        { "stepissuers.certmanager.step.sm", "\"stepissuers.certmanager.step.sm\" must be <resource>.<group>/* (all issuers of one kind), e.g. stepissuers.certmanager.step.sm/*" },
        { "stepissuers/*", "\"stepissuers/*\" must name a resource and its API group before the '/', e.g. stepissuers.certmanager.step.sm/*" },
        { "*.certmanager.step.sm/*", "\"*.certmanager.step.sm/*\" must name a resource and its API group before the '/', e.g. stepissuers.certmanager.step.sm/*" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void RefusesNamesItCannotMatch(string name, string? problem)
    {
        Assert.Equal(problem, SignerNames.Problem(name));
        var options = new IssuanceOptions { ApproverSignerNames = [name] };
        Assert.Equal(problem is null ? [] : [$"CertFleet:Approver:SignerNames: {problem}"], options.Problems("CertFleet").ToList());
    }
}
