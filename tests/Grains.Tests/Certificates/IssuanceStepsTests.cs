using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>State written before the issuance step was recorded resumes at the step its fields show.</summary>
public sealed class IssuanceStepsTests
{
    public static TheoryData<IssuanceProgress?, IssuanceStep> Cases()
    {
        IssuanceProgress Progress(string? key, string? request, RequestState? outcome) => new()
        {
            Revision = 1, Reason = "r", Message = "m", For = new IssuedFor(),
            NextPrivateKeySecretName = key, RequestName = request, Outcome = outcome is { } s ? new RequestOutcome { State = s } : null,
        };
        return new()
        {
            { null, IssuanceStep.None },
            { Progress(null, null, null), IssuanceStep.Started },
            { Progress("web-key", null, null), IssuanceStep.KeyStored },
            { Progress("web-key", "web-1", null), IssuanceStep.RequestCreated },
            { Progress("web-key", "web-1", RequestState.Pending), IssuanceStep.RequestCreated },
            { Progress("web-key", "web-1", RequestState.Issued), IssuanceStep.OutcomeKnown },
            { Progress("web-key", "web-1", RequestState.Denied), IssuanceStep.OutcomeKnown },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OldStateResumesAtTheStepItsFieldsShow(IssuanceProgress? issuance, IssuanceStep step)
    {
        var state = new CertificateState { Issuance = issuance };

        Assert.Equal(issuance is not null, IssuanceSteps.Resume(state));
        Assert.Equal(step, state.Step);
        Assert.False(IssuanceSteps.Resume(state)); // once recorded, the step is not derived again
    }

    [Fact]
    public void ARecordedStepIsKept()
    {
        var state = new CertificateState
        {
            Issuance = new IssuanceProgress { Revision = 1, Reason = "r", Message = "m", For = new IssuedFor(), NextPrivateKeySecretName = "k" },
            Step = IssuanceStep.Started,
        };
        Assert.False(IssuanceSteps.Resume(state));
        Assert.Equal(IssuanceStep.Started, state.Step);
    }
}
