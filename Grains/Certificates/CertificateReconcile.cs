using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// One reconcile pass of a Certificate, step by step: spec checks, the Secret name's claim, duplicates, then either
/// the issuance in flight from its recorded <see cref="IssuanceStep"/> or the trigger's decision.
/// </summary>
public static class CertificateReconcile
{
    public const string WildcardApexEventReason = "WildcardMissesApex";

    public static async Task RunAsync(CertificatePass pass)
    {
        var state = pass.State;
        var spec = pass.Object.Spec;
        var invalid = CertificateSpecValidation.Validate(spec);
        if (invalid.Count > 0)
        {
            await BlockAsync(pass, CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid: {CertificateSpecValidation.Describe(invalid)}", EventReasons.BadConfig);
            return;
        }

        if (WildcardCoverage.Note(spec) is { } coverage && pass.Memory.CoverageWarnedGeneration != pass.Object.Metadata.Generation)
        {
            pass.Actions.RecordEvent(EventRecord.Warning, WildcardApexEventReason, coverage);
            pass.Memory.CoverageWarnedGeneration = pass.Object.Metadata.Generation;
        }

        if (!await ClaimSecretAsync(pass))
            return;

        var wanted = IssuedForBuilder.From(spec);
        await DuplicatesStep.TrackAsync(pass, wanted);
        if (state.Issuance is { } inFlight)
        {
            var changed = inFlight.For.Differences(wanted);
            if (changed.Count == 0)
            {
                await ContinueIssuanceAsync(pass);
                return;
            }
            // The spec changed under an issuance in flight: that request is for the wrong thing.
            await IssuingStep.AbandonAsync(pass, changed);
        }

        using var inspection = SecretInspection.Of(await pass.Actions.ReadSecretAsync(spec.SecretName));
        switch (await TriggerStep.DecideAsync(pass, inspection, wanted))
        {
            case TriggerDecision.UpToDate upToDate:
                await RecordUpToDateAsync(pass, inspection, wanted, upToDate.RenewalTime);
                break;
            case TriggerDecision.BackOff backOff:
                await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, backOff.NotReady), ReadinessStep.FailedIssuing(pass));
                await pass.Actions.SleepUntilAsync(backOff.RetryAt);
                break;
            case TriggerDecision.Issue issue:
                await StartIssuanceAsync(pass, issue, wanted, inspection);
                break;
        }
    }

    /// <summary>Ready=False and an Event, then no reminder: only a spec change helps.</summary>
    public static async Task BlockAsync(CertificatePass pass, string reason, string message, string eventReason)
    {
        await ReadinessStep.BlockAsync(pass, reason, message, eventReason);
        await pass.Actions.SleepUntilAsync(null);
    }

    /// <summary>
    /// One Certificate per Secret name: the first to claim it owns it. Asked once per activation and Secret name, since
    /// ownership changes only when its owner releases it (deletion).
    /// </summary>
    private static async Task<bool> ClaimSecretAsync(CertificatePass pass)
    {
        var secretName = pass.Object.Spec.SecretName;
        if (pass.Memory.ClaimedSecretName == secretName)
            return true;
        var owner = await pass.Actions.ClaimSecretAsync(secretName);
        if (owner != pass.Name)
        {
            pass.State.SecretOwnedBy = owner;
            await BlockAsync(pass, CertFleetReasons.SecretInUse,
                $"Secret \"{secretName}\" is already managed by Certificate \"{owner}\"; give this Certificate its own spec.secretName or delete one of the two",
                CertFleetReasons.SecretInUse);
            return false;
        }
        pass.State.SecretOwnedBy = null;
        pass.Memory.ClaimedSecretName = secretName;
        return true;
    }

    private static async Task RecordUpToDateAsync(CertificatePass pass, SecretInspection inspection, IssuedFor wanted, DateTimeOffset? renewalTime)
    {
        var state = pass.State;
        var certificate = inspection.Certificate!;
        state.IssuedFor ??= wanted; // an existing Secret that already matches the spec is adopted as is
        state.NotBefore = certificate.NotBefore;
        state.NotAfter = certificate.NotAfter;
        state.RenewalTime = renewalTime;
        state.FailedIssuanceAttempts = 0;
        state.LastFailureTime = null;
        state.FailedFor = null;
        await PostIssuancePolicies.RepairAsync(pass, inspection);
        await pass.Actions.SaveStateAsync();
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, null), issuing: null);
        await pass.Actions.SleepUntilAsync(renewalTime);
    }

    private static async Task StartIssuanceAsync(CertificatePass pass, TriggerDecision.Issue issue, IssuedFor wanted, SecretInspection inspection)
    {
        var state = pass.State;
        state.Issuance = new IssuanceProgress
        {
            Revision = (state.Revision ?? 0) + 1,
            Reason = issue.Trigger.Reason,
            Message = issue.Trigger.Message,
            For = wanted,
            StartedAt = pass.Now,
            // ARI renewals name the certificate they replace (only set when the issuer's CA offers renewalInfo).
            Replaces = state.RenewalInfo is { CertId: { } certId } ari && ari.SerialHex == inspection.Certificate?.SerialHex ? certId : null,
        };
        state.Step = IssuanceStep.Started;
        if (NextKeyStep.ReusableKey(pass, inspection) is { } reused)
            pass.Memory.KeepNextKey(Providers.Pki.PrivateKey.FromPem(reused));
        // Not saved here: the next key's record (or a wait's) follows in this pass and saves the issuance with it. A
        // crash before it finds no issuance and starts the same one again (same revision, same request name).
        pass.Actions.RecordEvent(EventRecord.Normal, EventReasons.Issuing, issue.Trigger.Message);
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, issue.NotReady), ReadinessStep.Issuing(pass, issue.Trigger.Reason, issue.Trigger.Message));
        await pass.Actions.WakeAtAsync(pass.Now + CertificatePass.ActivePeriod, CertificatePass.ActivePeriod);
        await ContinueIssuanceAsync(pass);
    }

    /// <summary>Runs the issuance in flight on from its recorded step; every step is idempotent.</summary>
    private static async Task ContinueIssuanceAsync(CertificatePass pass)
    {
        var issuance = pass.State.Issuance!;
        if (!await IssuerGate.PassAsync(pass, issuance))
        {
            if (pass.State.Step == IssuanceStep.Started)
                await pass.Actions.SaveStateAsync(); // an issuance started in this pass waits on record
            return; // the issuer wakes this Certificate when it changes
        }

        await BudgetsStep.ReleaseRecordedReservationAsync(pass, issuance);
        if (pass.State.Step < IssuanceStep.RequestCreated && !await BudgetsStep.AllowOrderAsync(pass, issuance))
            return; // a budget is spent or the CA asked us to wait: the reminder comes back when it reopens

        var key = await NextKeyStep.EnsureAsync(pass, issuance);
        if (pass.State.Step == IssuanceStep.KeyStored)
            await RequestStep.CreateAsync(pass, issuance, key);
        if (!await RequestStep.SubmitAsync(pass, issuance, key))
            return;
        await IssuingStep.FinishAsync(pass, issuance, key);
    }
}
