using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// cert-manager's readiness controller: the Ready and Issuing conditions and the status around them, written only
/// when they changed.
/// </summary>
public static class ReadinessStep
{
    public static Condition Ready(CertificatePass pass, PolicyViolation? notReady)
    {
        var ready = notReady is null
            ? Condition(pass, ConditionTypes.Ready, ConditionStatus.True, CertificateReasons.Ready,
                WildcardCoverage.Note(pass.Object.Spec) is { } note
                    ? $"Certificate is up to date and has not expired; note: {note}"
                    : "Certificate is up to date and has not expired")
            : Condition(pass, ConditionTypes.Ready, ConditionStatus.False, notReady.Reason, notReady.Message);
        return pass.State.Duplicates.Count > 0 ? ready with { Message = $"{ready.Message}; {DuplicatesStep.Note(pass)}" } : ready;
    }

    public static Condition Issuing(CertificatePass pass, string reason, string message) =>
        Condition(pass, ConditionTypes.Issuing, ConditionStatus.True, reason, message);

    public static Condition FailedIssuing(CertificatePass pass) =>
        Condition(pass, ConditionTypes.Issuing, ConditionStatus.False, pass.State.LastFailureReason ?? CertificateReasons.Failed,
            pass.State.LastFailureMessage ?? "The certificate request has failed to complete and will be retried");

    /// <summary>The status as this grain last wrote it, or as the object carries it.</summary>
    public static CertificateStatus? Current(CertificatePass pass) => pass.State.WrittenStatus ?? pass.Object.Status;

    /// <summary>The Ready condition now shown, if any.</summary>
    public static Condition? CurrentReady(CertificatePass pass) => ConditionList.Find(Current(pass)?.Conditions, ConditionTypes.Ready);

    /// <summary>Ready=False with a CertFleet reason; while a valid certificate is in place, renewal blockers show on Issuing instead.</summary>
    public static async Task BlockAsync(CertificatePass pass, string reason, string message, string eventReason)
    {
        var issuing = pass.State.Issuance is { } issuance ? Issuing(pass, issuance.Reason, issuance.Message) : null;
        await WriteAsync(pass, Ready(pass, new(reason, message)), issuing);
        pass.Actions.RecordEvent(EventRecord.Warning, eventReason, message);
    }

    /// <summary>Sets Ready (and Issuing, or removes it when null) with the state's times and counters; unchanged status is not written.</summary>
    public static async Task WriteAsync(CertificatePass pass, Condition ready, Condition? issuing)
    {
        var state = pass.State;
        var current = Current(pass);
        var conditions = ConditionList.Set(current?.Conditions, ready);
        conditions = issuing is null ? ConditionList.Remove(conditions, ConditionTypes.Issuing) : ConditionList.Set(conditions, issuing);
        var status = new CertificateStatus
        {
            Conditions = conditions,
            NotBefore = state.NotBefore,
            NotAfter = state.NotAfter,
            RenewalTime = state.RenewalTime,
            Revision = state.Revision,
            NextPrivateKeySecretName = state.Issuance?.NextPrivateKeySecretName,
            FailedIssuanceAttempts = state.FailedIssuanceAttempts > 0 ? state.FailedIssuanceAttempts : null,
            LastFailureTime = state.LastFailureTime,
            Acme = state.RenewalInfo is { CertId: not null } ari
                ? new CertificateAcmeStatus
                {
                    Ari = new AcmeRenewalInfo
                    {
                        SuggestedWindow = ari.WindowStart is null ? null : new RenewalInfoWindow { Start = ari.WindowStart, End = ari.WindowEnd },
                        ExplanationUrl = ari.ExplanationUrl,
                        LastChecked = ari.LastChecked,
                        NextCheck = ari.NextCheck,
                        LastError = ari.LastError,
                    },
                }
                : null,
        };
        if (current is not null && Same(current, status))
            return;
        var version = await pass.Actions.WriteStatusAsync(status);
        state.WrittenStatus = status;
        state.StatusResourceVersion = ResourceVersions.Latest(state.StatusResourceVersion, version);
    }

    /// <summary>
    /// Field by field, as their JSON would compare (an absent list differs from an empty one) without serializing both
    /// on every pass; the records compare their scalars, the conditions are compared one by one.
    /// </summary>
    private static bool Same(CertificateStatus a, CertificateStatus b) =>
        a with { Conditions = null } == b with { Conditions = null }
        && (a.Conditions is null ? b.Conditions is null : b.Conditions is not null && a.Conditions.SequenceEqual(b.Conditions));

    private static Condition Condition(CertificatePass pass, string type, string status, string reason, string message) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastTransitionTime = pass.TruncatedNow,
        ObservedGeneration = pass.Object.Metadata.Generation,
    };
}
