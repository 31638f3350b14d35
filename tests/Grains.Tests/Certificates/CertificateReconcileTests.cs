using CertFleet.Grains.Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>Whole passes through the steps: what a CA issuance costs in calls to other grains, and what a quiet pass costs.</summary>
public sealed class CertificateReconcileTests
{
    private static StepWorld SigningWorld()
    {
        var world = new StepWorld();
        world.SubmitBy = _ =>
        {
            var issued = world.Sign(world.State.Object!, world.Memory.NextKey!);
            return new RequestOutcome { State = RequestState.Issued, ChainPem = issued.ChainPem, CaPem = issued.CaPem };
        };
        return world;
    }

    [Fact]
    public async Task ACaIssuanceCallsTheClaimTheIssuerOnceAndTheRequest()
    {
        using var world = SigningWorld();

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(["grain: claim web-tls", "grain: issuer Issuer/ca", "grain: submit web-1"], world.Actions.Where(a => a.StartsWith("grain:", StringComparison.Ordinal)));
        Assert.Equal(1, world.State.Revision);
        Assert.Equal(IssuanceStep.None, world.State.Step);
        Assert.Same(world.Issuer, Assert.Single(world.Submitted).Issuer);
        Assert.Single(world.CreatedRequests);
        // the issuance step by step; the identifier set worked out and the start are saved with the next key's record
        Assert.Equal(["save KeyStored", "save RequestCreated", "save None"], world.Actions.Where(a => a.StartsWith("save", StringComparison.Ordinal)));
        Assert.Equal("status Ready=True/Ready", world.Actions.Last(a => a.StartsWith("status", StringComparison.Ordinal)));
        Console.WriteLine($"grain-to-grain calls of one CA issuance pass (Certificate side): {world.GrainCalls}");
    }

    [Fact]
    public async Task AnIssuanceStartedWhileTheIssuerIsNotReadyIsSavedBeforeThePassWaits()
    {
        using var world = new StepWorld
        {
            Issuer = new IssuerSnapshot(new IssuerReadiness(true, false, "ErrInitIssuer", "no CA Secret", "CA"), null),
        };

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(IssuanceStep.Started, world.State.Step);
        Assert.Equal(1, world.State.Issuance!.Revision);
        Assert.Equal("save Started", world.Actions.Last(a => a.StartsWith("save", StringComparison.Ordinal)));
        Assert.Contains("wake 00:10:00 every 00:10:00", world.Actions);
    }

    [Fact]
    public async Task AnUpToDateCertificateWhoseRenewalInfoIsKnownCallsNoGrain()
    {
        using var world = SigningWorld();
        await CertificateReconcile.RunAsync(world.Pass());
        world.Actions.Clear();

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(0, world.GrainCalls);
        Assert.Equal(["save None", "sleep " + (world.State.RenewalTime - StepWorld.Start)], world.Actions);
    }

    [Fact]
    public async Task AnotherOwnerOfTheSecretNameBlocksAndIsAskedAgainNextPass()
    {
        using var world = new StepWorld { SecretOwner = "other" };

        await CertificateReconcile.RunAsync(world.Pass());
        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(2, world.Actions.Count(a => a == "grain: claim web-tls"));
        Assert.Equal("other", world.State.SecretOwnedBy);
        Assert.Contains(world.Actions, a => a.StartsWith("status Ready=False/SecretInUse", StringComparison.Ordinal));
        Assert.Equal("sleep", world.Actions[^1]);
    }

    [Fact]
    public async Task AnInvalidSpecBlocksWithoutAnyCall()
    {
        using var world = new StepWorld(StepWorld.Certificate(s => s with { SecretName = "" }));

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Equal(0, world.GrainCalls);
        Assert.StartsWith("status Ready=False/InvalidSpec", world.Actions[0]);
        Assert.StartsWith("event Warning BadConfig", world.Actions[1]);
    }

    [Fact]
    public async Task AResumedIssuanceContinuesFromItsRecordedStep()
    {
        using var world = SigningWorld();
        world.SubmitAnswer = new RequestOutcome { State = RequestState.Pending };
        var signing = world.SubmitBy;
        world.SubmitBy = null;
        await CertificateReconcile.RunAsync(world.Pass());
        Assert.Equal(IssuanceStep.RequestCreated, world.State.Step);

        // a new activation: nothing in memory but the state
        var keySecret = world.State.Issuance!.NextPrivateKeySecretName!;
        world.Memory.EndIssuance();
        world.Actions.Clear();
        world.SubmitBy = signing;
        Assert.True(world.Secrets.ContainsKey(keySecret));
        await CertificateReconcile.RunAsync(world.Pass());

        Assert.DoesNotContain(world.Actions, a => a.StartsWith("create-", StringComparison.Ordinal)); // same key, same request
        Assert.Equal(2, world.Submitted.Count);
        Assert.Equal(world.Submitted[0].Request.Spec.Request, world.Submitted[1].Request.Spec.Request);
        Assert.Equal(1, world.State.Revision);
    }

    [Fact]
    public async Task ASpecChangeUnderAnIssuanceAbandonsIt()
    {
        using var world = new StepWorld();
        await CertificateReconcile.RunAsync(world.Pass());
        Assert.Equal(IssuanceStep.RequestCreated, world.State.Step);
        world.Actions.Clear();

        world.State.Object = StepWorld.Certificate(s => s with { DnsNames = ["new.example.test"] }, generation: 2);
        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Contains("delete CertificateRequest web-1", world.Actions);
        Assert.Contains("save None", world.Actions); // abandoned before the new issuance started
        Assert.Contains("event Normal Issuing: Issuing certificate as Secret does not exist", world.Actions);
        Assert.Equal("new.example.test", Assert.Single(world.State.Issuance!.For.DnsNames));
    }
}
