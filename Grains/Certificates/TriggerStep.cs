using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Certificates;

/// <summary>What the trigger decided for a Certificate with no issuance in flight.</summary>
public abstract record TriggerDecision
{
    /// <summary>The Secret holds a certificate that needs nothing; renew at <paramref name="RenewalTime"/>.</summary>
    public sealed record UpToDate(DateTimeOffset? RenewalTime) : TriggerDecision;

    /// <summary>Issuing is due but backs off after a failure until <paramref name="RetryAt"/>.</summary>
    public sealed record BackOff(DateTimeOffset RetryAt, PolicyViolation? NotReady) : TriggerDecision;

    /// <summary>Issue now, for <paramref name="Trigger"/>'s reason.</summary>
    public sealed record Issue(PolicyViolation Trigger, PolicyViolation? NotReady) : TriggerDecision;
}

/// <summary>
/// cert-manager's trigger controller: the trigger policy chain, a manual renewal (Issuing=True ManuallyTriggered
/// written by cmctl renew), ACME renewal information on first sight of a certificate, and the backoff after a failure.
/// </summary>
public static class TriggerStep
{
    public static async Task<TriggerDecision> DecideAsync(CertificatePass pass, SecretInspection inspection, IssuedFor wanted)
    {
        var state = pass.State;
        var input = new PolicyInput
        {
            CertificateName = pass.Name,
            Spec = pass.Object.Spec,
            Secret = inspection.Secret,
            Certificate = inspection.Certificate,
            CertificateError = inspection.CertificateError,
            Key = inspection.Key,
            KeyError = inspection.KeyError,
            Wanted = wanted,
            IssuedFor = state.IssuedFor,
            Now = pass.Now,
            RenewalJitterPercent = pass.RenewalJitterPercent,
            RenewalInfo = state.RenewalInfo,
        };
        var trigger = CertificatePolicies.Evaluate(CertificatePolicies.Trigger, input);
        var notReady = CertificatePolicies.Evaluate(CertificatePolicies.Readiness, input);
        if (trigger is null && ManualRenewalRequested(pass.Object))
            trigger = new(CertificateReasons.ManuallyTriggered, "Certificate re-issuance manually triggered");

        if (trigger is null && state.RenewalInfo?.SerialHex != inspection.Certificate!.SerialHex)
        {
            // First sight of this certificate (adopted, or state lost): ask about ARI, then decide again.
            state.RenewalInfo = await RenewalInfoStep.ForAsync(pass, inspection.Certificate!);
            input = input with { RenewalInfo = state.RenewalInfo };
            trigger = CertificatePolicies.Evaluate(CertificatePolicies.Trigger, input);
        }
        if (trigger is null)
            return new TriggerDecision.UpToDate(input.RenewalTime);

        if (pass.Backoff.RetryAt(state.FailedIssuanceAttempts, state.LastFailureTime, inspection.Certificate?.NotAfter) is { } retryAt
            && pass.Now < retryAt && state.FailedFor is { } failedFor && failedFor.Differences(wanted).Count == 0)
            return new TriggerDecision.BackOff(retryAt, notReady); // unless the spec now asks for something else
        return new TriggerDecision.Issue(trigger, notReady);
    }

    /// <summary>Someone (cmctl renew, certfleet-silo renew) set Issuing=True with reason ManuallyTriggered.</summary>
    public static bool ManualRenewalRequested(Certificate certificate) =>
        ConditionList.Find(certificate.Status?.Conditions, ConditionTypes.Issuing) is { Status: ConditionStatus.True, Reason: CertificateReasons.ManuallyTriggered };
}
