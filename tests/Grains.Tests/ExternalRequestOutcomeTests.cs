using System.Text;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests;

/// <summary>An external issuer's request status as a table: conditions and certificate in, the outcome the Certificate acts on out.</summary>
public sealed class ExternalRequestOutcomeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";

    private static CertificateRequestCondition C(string type, string status, string reason = "", string message = "") =>
        new() { Type = type, Status = status, Reason = reason, Message = message };

    public static TheoryData<string, CertificateRequestStatus?, RequestState, string, string> Cases() => new()
    {
        // name, status, state, reason, message
        { "new", null, RequestState.Pending, "Pending", "Waiting for StepIssuer \"step\" of group certmanager.step.sm to sign the request" },
        { "approved only", new() { Conditions = [C("Approved", "True", "cert-manager.io")] }, RequestState.Pending, "Pending",
            "Waiting for StepIssuer \"step\" of group certmanager.step.sm to sign the request" },
        { "issuer working", new() { Conditions = [C("Ready", "False", "Pending", "signing")] }, RequestState.Pending, "Pending",
            "Waiting for StepIssuer \"step\" of group certmanager.step.sm to sign the request: signing" },
        { "ready without certificate", new() { Conditions = [C("Ready", "True", "Issued")] }, RequestState.Pending, "Issued",
            "Waiting for StepIssuer \"step\" of group certmanager.step.sm to sign the request" },
        { "issued", new() { Conditions = [C("Ready", "True", "Issued", "signed")], Certificate = Encoding.UTF8.GetBytes(Pem) }, RequestState.Issued, "Issued", "signed" },
        { "failed", new() { Conditions = [C("Ready", "False", "Failed", "provisioner not authorized")], FailureTime = Now.AddMinutes(-1) },
            RequestState.Failed, "Failed", "provisioner not authorized" },
        { "denied by the issuer", new() { Conditions = [C("Ready", "False", "Denied", "no")] }, RequestState.Denied, "Denied", "no" },
        { "denied by an approver", new() { Conditions = [C("Denied", "True", "policy", "not this name"), C("Ready", "False", "Pending")] },
            RequestState.Denied, "Denied", "The CertificateRequest was denied by an approval controller: not this name" },
        { "invalid", new() { Conditions = [C("InvalidRequest", "True", "BadConfig", "unsupported key")] }, RequestState.Failed, "BadConfig",
            "The CertificateRequest is invalid: unsupported key" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads(string name, CertificateRequestStatus? status, RequestState state, string reason, string message)
    {
        var request = new CertificateRequest
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "ns" },
            Spec = new CertificateRequestSpec { Request = [], IssuerRef = new IssuerRef { Name = "step", Kind = "StepIssuer", Group = "certmanager.step.sm" } },
            Status = status,
        };

        var outcome = ExternalRequestOutcome.Of(request, Now);

        Assert.Equal((state, reason, message), (outcome.State, outcome.Reason, outcome.Message));
        Assert.Equal(state == RequestState.Issued ? Pem : null, outcome.ChainPem);
        Assert.Equal(outcome.IsFinal && state != RequestState.Issued ? status?.FailureTime ?? Now : null, outcome.FailureTime);
    }

    [Fact]
    public void TheIssuersCaBecomesTheOutcomesCa()
    {
        var request = new CertificateRequest
        {
            Metadata = new ObjectMeta { Name = "r", Namespace = "ns" },
            Spec = new CertificateRequestSpec { Request = [], IssuerRef = new IssuerRef { Name = "step", Kind = "StepIssuer", Group = "certmanager.step.sm" } },
            Status = new() { Conditions = [C("Ready", "True", "Issued")], Certificate = Encoding.UTF8.GetBytes(Pem), CA = Encoding.UTF8.GetBytes("ca " + Pem) },
        };

        Assert.Equal("ca " + Pem, ExternalRequestOutcome.Of(request, Now).CaPem);
    }
}
