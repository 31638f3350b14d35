using CertFleet.Grains.Certificates;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>
/// A Certificate whose issuerRef names an external issuer: its request is created and submitted without asking any
/// issuer, the pass waits while the external controller works, and the request's final outcome is stored or failed
/// with the Certificate's backoff and the request's message.
/// </summary>
public sealed class ExternalIssuerPassTests
{
    private static StepWorld ExternalWorld() =>
        new(StepWorld.Certificate(s => s with { IssuerRef = new IssuerRef { Name = "step", Kind = "StepIssuer", Group = "certmanager.step.sm" } }));

    [Fact]
    public async Task TheRequestIsCreatedAndThePassWaitsWithoutAskingAnIssuer()
    {
        using var world = ExternalWorld();

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(["grain: claim web-tls", "grain: submit web-1"], world.Actions.Where(a => a.StartsWith("grain:", StringComparison.Ordinal)));
        var (request, issuer) = Assert.Single(world.Submitted);
        Assert.Null(issuer);
        Assert.Equal(new IssuerRef { Name = "step", Kind = "StepIssuer", Group = "certmanager.step.sm" }, request.Spec.IssuerRef);
        Assert.Equal(IssuanceStep.RequestCreated, world.State.Step);
        Assert.Contains("wake 00:01:00 every 00:01:00", world.Actions); // the in-flight pace, not the issuer wait's
        Assert.False(world.Memory.WaitingOnIssuer);
        Assert.DoesNotContain(world.Actions, a => a.Contains(CertFleetReasons.IssuerNotServed, StringComparison.Ordinal));
        Assert.Equal(0, world.State.FailedIssuanceAttempts);
    }

    public static TheoryData<string, RequestState, string?, string?> Outcomes() => new()
    {
        // name, the request's final state, expected failure reason (null: stored), expected message on Issuing
        { "issued", RequestState.Issued, null, null },
        { "failed", RequestState.Failed, CertificateReasons.Failed, "The certificate request has failed to complete and will be retried: step-ca: provisioner not authorized" },
        { "denied", RequestState.Denied, CertificateReasons.Denied, "The certificate request has failed to complete and will be retried: The CertificateRequest was denied by an approval controller: not this name" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task TheFinalOutcomeIsStoredOrEntersTheBackoff(string name, RequestState state, string? reason, string? message)
    {
        using var world = ExternalWorld();
        await CertificateReconcile.RunAsync(world.Pass()); // pending: the request waits on its issuer
        world.Actions.Clear();
        world.SubmitBy = _ =>
        {
            if (state != RequestState.Issued)
                return new RequestOutcome
                {
                    State = state, Reason = state.ToString(), FailureTime = StepWorld.Start,
                    Message = state == RequestState.Denied ? "The CertificateRequest was denied by an approval controller: not this name" : "step-ca: provisioner not authorized",
                };
            var issued = world.Sign(world.State.Object!, world.Memory.NextKey!);
            return new RequestOutcome { State = state, ChainPem = issued.ChainPem, CaPem = issued.CaPem };
        };

        await CertificateReconcile.RunAsync(world.Pass()); // the outcome arrived

        Assert.Null(world.State.Issuance);
        Assert.Equal(reason, world.State.LastFailureReason);
        Assert.Equal(message, world.State.LastFailureMessage);
        if (reason is null)
        {
            Assert.Contains("apply-secret web-tls data=ca.crt,tls.crt,tls.key", world.Actions);
            Assert.Equal(1, world.State.Revision);
            Assert.Equal("status Ready=True/Ready", world.Actions.Last(a => a.StartsWith("status", StringComparison.Ordinal)));
        }
        else
        {
            Assert.False(world.Secrets.ContainsKey("web-tls"), name);
            Assert.Equal(1, world.State.FailedIssuanceAttempts);
            Assert.EndsWith($"Issuing=False/{reason}", world.Actions.Last(a => a.StartsWith("status", StringComparison.Ordinal)));
            Assert.Equal($"sleep {IssuanceBackoff.Default.RetryAt(1, StepWorld.Start) - StepWorld.Start}", world.Actions.Last());
        }
        Assert.DoesNotContain(world.Actions, a => a.StartsWith("grain: issuer", StringComparison.Ordinal));
    }
}
