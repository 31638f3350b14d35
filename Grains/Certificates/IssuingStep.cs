using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// cert-manager's issuing controller: checks the request's outcome, writes the Secret, and records the success or
/// the failure (with its backoff); an issuance whose CA asked to wait is abandoned without counting as a failure.
/// </summary>
public static class IssuingStep
{
    /// <summary>Why an issued chain cannot be stored (reason InvalidCertificate), or null with the parsed leaf.</summary>
    public static string? Refusal(RequestOutcome outcome, PrivateKey key, DateTimeOffset now, out CertificateInfo? leaf)
    {
        leaf = null;
        try
        {
            leaf = CertificateInfo.ParseFirst(outcome.ChainPem ?? "");
        }
        catch (PkiException ex)
        {
            return $"The issuer returned a certificate that cannot be parsed: {ex.Message}";
        }
        // The signer copies the CSR's key bytes, so equal bytes are the usual answer; otherwise the keys are compared.
        if (!leaf.SubjectPublicKeyInfo.AsSpan().SequenceEqual(key.SubjectPublicKeyInfo) && !leaf.MatchesKey(key))
            return "The issued certificate does not match the private key that requested it";
        if (now >= leaf.NotAfter)
            return $"The issuer returned a certificate that expired on {CertificatePolicies.FormatTime(leaf.NotAfter)}";
        return null;
    }

    /// <summary>Acts on the final outcome of the issuance's request.</summary>
    public static async Task FinishAsync(CertificatePass pass, IssuanceProgress issuance, PrivateKey key)
    {
        var outcome = issuance.Outcome!;
        if (outcome is { State: RequestState.Failed, RetryAt: not null })
        {
            // The CA answered 429, or a budget was found spent right before newOrder: not a failed issuance. The next
            // pass waits for the budget (a CA's Retry-After is held on the identifier set's) with reason RateLimited.
            await AbandonAsync(pass);
            // The next attempt creates a request of the same name: forget this one's outcome now rather than when
            // the bridge sees the deletion.
            await pass.Actions.ForgetRequestAsync(issuance.RequestName!);
            pass.Actions.ReconcileSoon();
        }
        else if (outcome.State == RequestState.Issued)
        {
            if (Refusal(outcome, key, pass.Now, out var leaf) is { } refusal)
                await FailAsync(pass, issuance, CertificateReasons.InvalidCertificate, refusal);
            else
                await StoreAsync(pass, issuance, key, leaf!);
        }
        else
            // The Issuing condition copies the CertificateRequest's condition reason (Failed or Denied), as cert-manager does.
            await FailAsync(pass, issuance,
                outcome.State == RequestState.Denied ? CertificateReasons.Denied : CertificateReasons.Failed,
                $"The certificate request has failed to complete and will be retried: {outcome.Message}");
    }

    private static async Task StoreAsync(CertificatePass pass, IssuanceProgress issuance, PrivateKey key, CertificateInfo leaf)
    {
        var state = pass.State;
        var outcome = issuance.Outcome!;
        var passwords = await KeystorePasswordSource.ReadAsync(pass);
        var contents = Issuance.SecretContents.Build(pass.Key.WithName(pass.Object.Spec.SecretName), pass.Object, key, outcome.ChainPem!, outcome.CaPem, passwords, leaf);
        state.SecretResourceVersion = await pass.Actions.ApplySecretAsync(contents.Secret, contents.RemoveKeys);
        state.KeystoresWrittenWith = passwords.Unknown ? null : passwords.Fingerprint();

        state.Revision = issuance.Revision;
        state.IssuedFor = issuance.For;
        state.NotBefore = leaf.NotBefore;
        state.NotAfter = leaf.NotAfter;
        state.RenewalInfo = await RenewalInfoStep.ForAsync(pass, leaf);
        state.RenewalTime = RenewalPlan.At(pass.Name, leaf, pass.Object.Spec, pass.RenewalJitterPercent, state.RenewalInfo, pass.Now);
        state.FailedIssuanceAttempts = 0;
        state.LastFailureTime = null;
        state.LastFailureReason = null;
        state.LastFailureMessage = null;
        state.FailedFor = null;
        state.RateLimitWait = null;
        End(pass);
        await pass.Actions.SaveStateAsync();
        // Deleted only once the issuance is recorded as done: a crash before the record resumes the issuance, which
        // needs this key to accept the certificate instead of making a new key and ordering again.
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
            await pass.Actions.TryDeleteAsync(ResourceKind.Secret, nextKeySecret);

        pass.Actions.RecordEvent(EventRecord.Normal, EventReasons.Issuing, "The certificate has been successfully issued");
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, null), issuing: null);
        await RequestHistoryStep.PruneAsync(pass, issuance.Revision);
        await pass.Actions.SleepUntilAsync(state.RenewalTime);
    }

    public static async Task FailAsync(CertificatePass pass, IssuanceProgress issuance, string reason, string message)
    {
        var state = pass.State;
        state.FailedIssuanceAttempts++;
        state.LastFailureTime = pass.TruncatedNow;
        state.LastFailureReason = reason;
        state.LastFailureMessage = message;
        state.FailedFor = issuance.For;
        End(pass);
        await pass.Actions.SaveStateAsync();
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
            await pass.Actions.TryDeleteAsync(ResourceKind.Secret, nextKeySecret); // after the record, as on success

        pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.Failed, message);
        await ReadinessStep.WriteAsync(pass, ReadinessStep.CurrentReady(pass) ?? ReadinessStep.Ready(pass, new(reason, message)), ReadinessStep.FailedIssuing(pass));
        await pass.Actions.SleepUntilAsync(pass.Backoff.RetryAt(state.FailedIssuanceAttempts, state.LastFailureTime, state.NotAfter));
    }

    /// <summary>
    /// Drops the issuance in flight with its request and next key (the spec changed under it, naming
    /// <paramref name="changedFields"/>, or the CA asked to wait).
    /// </summary>
    public static async Task AbandonAsync(CertificatePass pass, IReadOnlyList<string>? changedFields = null)
    {
        var issuance = pass.State.Issuance!;
        await BudgetsStep.ReleaseRecordedReservationAsync(pass, issuance);
        if (issuance.RequestName is { } request)
            await pass.Actions.TryDeleteAsync(ResourceKind.CertificateRequest, request);
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
        {
            await pass.Actions.TryDeleteAsync(ResourceKind.Secret, nextKeySecret);
            if (changedFields is { Count: > 0 })
                pass.Actions.RecordEvent(EventRecord.Normal, EventReasons.Deleted,
                    $"Regenerating private key due to change in fields: [{string.Join(", ", changedFields)}]");
        }
        End(pass);
        await pass.Actions.SaveStateAsync();
    }

    private static void End(CertificatePass pass)
    {
        pass.State.Issuance = null;
        pass.State.Step = IssuanceStep.None;
        pass.Memory.EndIssuance();
    }
}
