using Microsoft.Extensions.DependencyInjection;
using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// Keeps one Certificate's Secret current. Inputs (sync, Secret and request changes) only record what happened and
/// schedule a pass on a one-shot timer, so callers never wait on the Kubernetes API; the pass
/// (<see cref="CertificateReconcile"/>) runs cert-manager's controllers as steps inside this one activation, which
/// stays the unit of consistency: it holds the state, persists it, and owns the reminder that wakes it at renewal or
/// the end of a backoff. The steps reach the world through <see cref="ICertificateActions"/>, implemented here.
/// </summary>
[GrainType("certificate")]
public sealed class CertificateGrain(
    [PersistentState("certificate", "certfleet")] IPersistentState<CertificateState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    ILogger<CertificateGrain> logger,
    RateLimitBudgets budgets,
    CertificatePassSlots slots,
    IClusterMembership membership) : Grain, ICertificateGrain, IRemindable, ICertificateActions
{
    private const string ReminderName = "reconcile";
    /// <summary>While idle the reminder also re-checks daily, as cert-manager's periodic resync does.</summary>
    private static readonly TimeSpan IdlePeriod = TimeSpan.FromHours(24);
    /// <summary>After a transient failure: 1, 2, 4 … 256 s, then every 5 minutes.</summary>
    /// <summary>A Certificate waiting for a pass slot runs its pass after this even if its wake is lost.</summary>
    private static readonly TimeSpan SlotWaitFallback = TimeSpan.FromMinutes(1);
    private static readonly ExponentialBackoff RetryBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    private ObjectKey _key = null!;
    private StepTimer? _reconcile;
    private readonly CertificateMemory _memory = new();
    private int _retryAttempt;
    /// <summary>
    /// A new or changed object is saved by the pass it schedules, which saves its own progress anyway, rather than by
    /// the sync: one state write fewer per change. The pass's timer keeps the activation until then; the pass saves it
    /// at the latest when it ends, and a deactivation before that does.
    /// </summary>
    private bool _objectUnsaved;

    private CertificateState State => store.State;
    private Certificate Object => State.Object!;
    private string Name => _key.Name;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        IssuanceSteps.Resume(State); // state written before the step was recorded
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _memory.Dispose();
        if (!_objectUnsaved || State.Object is null)
            return;
        try
        {
            await WriteStateAsync();
        }
        catch (Exception ex)
        {
            // The watch hands the object over again when it changes; nothing else is lost.
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: not saved on deactivation", _key.Namespace, Name);
        }
    }

    public async Task SyncAsync(Certificate certificate)
    {
        GrainScopeException.ThrowIf(IssuerScope.ObjectRefusal(_key, "Certificate", certificate.Metadata));
        // Only the annotations passed on to CertificateRequests are kept: a Certificate's other annotations (kubectl's
        // last-applied copy of the whole object, tools' data) would only bloat the state.
        var (copied, notCopied) = CopiedAnnotations.Select(certificate.Metadata.Annotations);
        certificate = certificate with { Metadata = certificate.Metadata with { Annotations = copied.Count > 0 ? copied : null } };
        var previous = State.Object;
        if (previous is not null && previous.Metadata.Uid != certificate.Metadata.Uid)
        {
            // Same name, new object: nothing of the old one's progress applies.
            store.State = new CertificateState();
            _memory.EndIssuance();
            previous = null;
        }
        if (previous is null)
            AdoptObservedStatus(certificate.Status);

        var specChanged = previous is null || State.Deleted
                          || previous.Metadata.Generation != certificate.Metadata.Generation
                          || !SameLabels(previous.Metadata, certificate.Metadata);
        // The one echo rule: a version at or below this grain's last status write shows that write (or older news).
        var statusChangedByOthers = certificate.Status is not null
                                    && !ResourceVersions.IsAtOrBelow(certificate.Metadata.ResourceVersion, State.StatusResourceVersion);
        // State written before passwords were withheld from it still holds them: rewrite it without.
        var storedPassword = previous is not null && !KeystorePasswords.IsFitForState(previous);
        // An activation from storage learns inline keystore passwords only now: check the keystores once with them.
        var passwordsArrived = _memory.Live is null && KeystorePasswords.HasInline(certificate);
        _memory.Live = certificate;
        State.Object = KeystorePasswords.ForState(certificate);
        State.Deleted = false;
        if (storedPassword)
            await WriteStateAsync();
        else if (specChanged)
            _objectUnsaved = true; // saved by the pass scheduled below
        if (notCopied.Count > 0 && (specChanged || !SameAnnotations(previous!.Metadata, certificate.Metadata)))
            RecordEvent(EventRecord.Warning, CopiedAnnotations.EventReason, CopiedAnnotations.Describe(notCopied));
        if (statusChangedByOthers)
            State.WrittenStatus = null; // someone else wrote status (cmctl renew, a user): re-decide and rewrite
        if (specChanged || statusChangedByOthers || passwordsArrived)
            ScheduleReconcile();
    }

    public async Task DeletedAsync(string uid)
    {
        if (State.Object is null || (uid.Length > 0 && State.Object.Metadata.Uid != uid))
            return;
        var secretName = Object.Spec.SecretName;
        await GrainFactory.ByKey<ISecretClaimGrain>(_key.WithName(secretName).ToGrainKey()).ReleaseAsync(Name);
        _memory.ClaimedSecretName = null;
        if (State.Issuance?.NextPrivateKeySecretName is { } nextKeySecret)
            await TryDeleteAsync(ResourceKind.Secret, nextKeySecret);
        await ForgetAsync();
    }

    public Task SecretChangedAsync(SecretMetadata? secret)
    {
        // Our own write comes back through the watch; only other changes (deletion, edits by others) matter.
        if (secret is null || !ResourceVersions.IsAtOrBelow(secret.ResourceVersion, State.SecretResourceVersion))
            ScheduleReconcile();
        return Task.CompletedTask;
    }

    public Task RequestChangedAsync(string requestName, RequestOutcome outcome)
    {
        if (State.Issuance is not { } issuance || issuance.RequestName != requestName)
            return Task.CompletedTask;
        // Not written here: the CertificateRequest's grain keeps the outcome durably and hands it out again on the
        // next submit, and the reconcile scheduled now records the result.
        issuance.Outcome = outcome;
        ScheduleReconcile();
        return Task.CompletedTask;
    }

    public Task WakeAsync()
    {
        _memory.Woken = true;
        ScheduleReconcile();
        return Task.CompletedTask;
    }

    public async Task RenewalInfoChangedAsync(RenewalSuggestion suggestion)
    {
        if (State.RenewalInfo?.SerialHex != suggestion.SerialHex)
            return; // about a certificate no longer in the Secret
        if (State.Object is not null)
            RenewalInfoStep.ReportError(this, State.RenewalInfo, suggestion);
        State.RenewalInfo = suggestion;
        await WriteStateAsync();
        ScheduleReconcile();
    }

    public Task ReconcileAsync() => RunReconcileAsync();

    public Task<CertificateState> GetStateAsync() => Task.FromResult(State);

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        membership.HasLeft(_key.Cluster) ? DetachAsync() : RunReconcileAsync();

    public async Task DetachAsync()
    {
        // Budgets and identifier sets are fleet-wide grains, not the cluster's: they are released as on deletion. The
        // claim of its Secret name and its issuer go with it: a Secret never written or an issuer that does not exist
        // (which still holds this Certificate as a waiter) is not among the known objects the sweep goes through.
        if (State.Object is { } certificate)
        {
            await GrainFactory.ByKey<ISecretClaimGrain>(_key.WithName(certificate.Spec.SecretName).ToGrainKey()).DetachAsync();
            await IssuerGrain(certificate.Spec.IssuerRef).DetachAsync();
        }
        _memory.ClaimedSecretName = null;
        await ForgetAsync();
    }

    /// <summary>
    /// Releases what this Certificate holds outside its state (budget reservation, identifier set, reminder, renewal
    /// info), then clears the state and deactivates; nothing unsaved is written back on the way out.
    /// </summary>
    private async Task ForgetAsync()
    {
        if (State.Issuance is { } issuance)
            await BudgetsStep.ReleaseRecordedReservationAsync(NewPass(), issuance);
        if (State.IdentifierSetKey is { } identifierSet)
            await DropIdentifierSetAsync(identifierSet);
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        if (State.RenewalInfo?.CertId is not null)
            await StopRenewalInfoAsync();
        _reconcile?.Cancel();
        await store.ClearStateAsync();
        _objectUnsaved = false;
        DeactivateOnIdle();
    }

    private void ScheduleReconcile(TimeSpan? delay = null) =>
        (_reconcile ??= new StepTimer(this, RunReconcileAsync)).Schedule(delay ?? TimeSpan.Zero);

    private CertificatePass NewPass() =>
        new(_key, State, _memory, clock, options.Value.RenewalJitterPercent, options.Value.FailureBackoff, logger, this);

    private async Task RunReconcileAsync()
    {
        if (State.Object is null || State.Deleted)
            return;
        if (!slots.TryEnter(_key))
        {
            // Queued: woken when a slot is held for this Certificate; the timer only covers a wake that is lost.
            ScheduleReconcile(SlotWaitFallback);
            return;
        }
        try
        {
            await RunPassAsync();
        }
        finally
        {
            slots.Exit();
        }
    }

    private async Task RunPassAsync()
    {
        var pass = NewPass();
        try
        {
            await CertificateReconcile.RunAsync(pass);
            await SaveObjectIfUnsavedAsync();
            _retryAttempt = 0;
        }
        catch (CertificateGoneException ex)
        {
            await ForgetGoneAsync(ex);
        }
        catch (Exception ex) when (ex is ClusterWriteException or TimeoutException or OrleansException)
        {
            // Transient: the API server or another grain did not answer. Retry soon from a timer; the durable
            // reminder still covers a silo crash.
            var delay = RetryBackoff.Delay(++_retryAttempt);
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: reconcile failed, retrying in {Delay}", _key.Namespace, Name, delay);
            if (IsVersionConflict(ex))
                await ReloadStateAsync();
            if (await WriteStatusSafelyAsync(NewPass(), ex.Message) is { } gone)
            {
                await ForgetGoneAsync(gone);
                return;
            }
            ScheduleReconcile(delay);
        }
        catch (PkiException ex)
        {
            // A spec the checks let through but the key or CSR builder refuses: retrying cannot help, a spec change can.
            logger.LogWarning("Certificate {Namespace}/{Name}: {Error}", _key.Namespace, Name, ex.Message);
            await CertificateReconcile.BlockAsync(pass, CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid: {ex.Message}", EventReasons.BadConfig);
            await SaveObjectIfUnsavedAsync();
        }
    }

    private static bool IsVersionConflict(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is Orleans.Storage.InconsistentStateException)
                return true;
        return false;
    }

    /// <summary>
    /// A write whose answer was lost (the store restarted under it) may have landed: the stored state and its ETag are
    /// then newer than ours, and every later write would conflict the same way. The stored state is the truth.
    /// </summary>
    private async Task ReloadStateAsync()
    {
        try
        {
            var live = State.Object;
            await store.ReadStateAsync();
            if (_objectUnsaved)
                State.Object = live; // newer than anything stored
            IssuanceSteps.Resume(State);
        }
        catch (OrleansException exception)
        {
            logger.LogWarning(exception, "Certificate {Namespace}/{Name}: state not read again yet", _key.Namespace, Name);
        }
    }

    /// <summary>After a failed reconcile, say why on the Issuing condition if the API lets us; reports a Certificate found gone.</summary>
    private async Task<CertificateGoneException?> WriteStatusSafelyAsync(CertificatePass pass, string error)
    {
        try
        {
            var ready = ReadinessStep.CurrentReady(pass) ?? ReadinessStep.Ready(pass, new(CertFleetReasons.ApiError, error));
            var issuing = State.Issuance is { } issuance
                ? ReadinessStep.Issuing(pass, issuance.Reason, $"{issuance.Message}; retrying after error: {error}")
                : ConditionList.Find(ReadinessStep.Current(pass)?.Conditions, ConditionTypes.Issuing);
            await ReadinessStep.WriteAsync(pass, ready, issuing);
        }
        catch (CertificateGoneException gone)
        {
            return gone;
        }
        catch (Exception ex) when (ex is ClusterWriteException or TimeoutException)
        {
            logger.LogDebug(ex, "Certificate {Namespace}/{Name}: status not written", _key.Namespace, Name);
        }
        return null;
    }

    /// <summary>
    /// The status write found no Certificate: it was deleted without this grain hearing of it (while no silo watched,
    /// say), so it is forgotten as a delivered deletion would, instead of retrying for ever.
    /// </summary>
    private async Task ForgetGoneAsync(CertificateGoneException gone)
    {
        logger.LogInformation("Certificate {Namespace}/{Name} no longer exists ({Error}); forgetting it", _key.Namespace, Name,
            gone.InnerException?.Message);
        await DeletedAsync("");
    }

    /// <summary>A grain whose state was lost (in-memory storage, a new silo) continues from the status it wrote before.</summary>
    private void AdoptObservedStatus(CertificateStatus? status)
    {
        if (status is null) return;
        State.Revision ??= status.Revision;
        State.FailedIssuanceAttempts = status.FailedIssuanceAttempts ?? 0;
        State.LastFailureTime = status.LastFailureTime;
        State.NotBefore ??= status.NotBefore;
        State.NotAfter ??= status.NotAfter;
        State.RenewalTime ??= status.RenewalTime;
        if (ConditionList.Find(status.Conditions, ConditionTypes.Issuing) is { Status: ConditionStatus.False } failed)
        {
            State.LastFailureReason = failed.Reason;
            State.LastFailureMessage = failed.Message;
        }
    }

    // ICertificateActions: what the steps do outside the state.

    public Task SaveStateAsync() => WriteStateAsync();

    private async Task WriteStateAsync()
    {
        await store.WriteStateAsync();
        _objectUnsaved = false;
    }

    private Task SaveObjectIfUnsavedAsync() => _objectUnsaved && State.Object is not null ? WriteStateAsync() : Task.CompletedTask;

    public async Task<string> WriteStatusAsync(CertificateStatus status)
    {
        try
        {
            return await writer.WriteStatusAsync(ResourceKind.Certificate, _key, status);
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            throw new CertificateGoneException(ex);
        }
    }

    public void RecordEvent(string type, string reason, string message)
    {
        var record = new EventRecord(ResourceKind.Certificate, _key, Object.Metadata.Uid, type, reason, message, "cert-manager-certificates-issuing");
        writer.RecordInBackground(record);
    }

    public Task<SecretData?> ReadSecretAsync(string name) => reader.GetSecretAsync(_key.WithName(name));

    /// <remarks>A Secret this grain never wrote is usually not there yet (a new Certificate): it is created first.</remarks>
    public Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys) =>
        writer.ApplySecretAsync(secret, removeKeys, likelyNew: State.SecretResourceVersion is null);

    public Task<string> CreateSecretAsync(string generateName, SecretData secret) => writer.CreateSecretAsync(generateName, secret);

    public async Task TryDeleteAsync(ResourceKind kind, string name)
    {
        try
        {
            await writer.DeleteAsync(kind, _key.WithName(name));
        }
        catch (ClusterWriteException ex)
        {
            // Leftovers are owned by the Certificate and garbage-collected with it; not worth failing issuance.
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: could not delete {Kind} {Object}", _key.Namespace, Name, kind.Kind, name);
        }
    }

    public Task<CertificateRequest> CreateRequestAsync(CertificateRequest request) =>
        writer.CreateCertificateRequestAsync(_key.WithName(request.Metadata.Name!), request);

    public Task<RequestOutcome> SubmitRequestAsync(CertificateRequest request, IssuerSnapshot? issuer) =>
        RequestGrain(request.Metadata.Name!).SubmitAsync(request, _key, issuer);

    public Task ForgetRequestAsync(string requestName) => RequestGrain(requestName).DeletedAsync();

    public Task<string?> EnsureTemporaryCertificateAsync(PrivateKey key) =>
        TemporaryCertificate.EnsureAsync(reader, writer, _key, Object, key, clock.GetUtcNow());

    public Task<string> ClaimSecretAsync(string secretName) =>
        GrainFactory.ByKey<ISecretClaimGrain>(_key.WithName(secretName).ToGrainKey()).ClaimAsync(Name);

    public Task<IssuerSnapshot> GetIssuerSnapshotAsync(IssuerRef issuerRef) => IssuerGrain(issuerRef).GetSnapshotAsync(_key);

    private IIssuerGrain IssuerGrain(IssuerRef issuerRef) =>
        GrainFactory.ByKey<IIssuerGrain>((issuerRef.Kind == "ClusterIssuer"
            ? new ObjectKey(_key.Cluster, "", issuerRef.Name)
            : _key.WithName(issuerRef.Name)).ToGrainKey());

    public Task<RenewalSuggestion> TrackRenewalInfoAsync(AcmeIssuerContext acme, TrackedCertificate certificate) =>
        GrainFactory.ByKey<IRenewalInfoGrain>(this.GetPrimaryKeyString()).TrackAsync(acme, certificate);

    public Task StopRenewalInfoAsync() => GrainFactory.ByKey<IRenewalInfoGrain>(this.GetPrimaryKeyString()).StopAsync();

    public Task<IReadOnlyList<ObjectKey>> HoldIdentifierSetAsync(string identifierSetKey) =>
        GrainFactory.ByKey<IIdentifierSetGrain>(identifierSetKey).HoldAsync(_key);

    public Task DropIdentifierSetAsync(string identifierSetKey) => GrainFactory.ByKey<IIdentifierSetGrain>(identifierSetKey).DropAsync(_key);

    public Task<RateLimitWait?> CheckBudgetsAsync(RateLimitBudgets.Order order) => budgets.CheckAsync(GrainFactory, order);

    public Task ReleaseReservationAsync(BudgetReservation reservation, bool orderPlaced) => budgets.ReleaseAsync(GrainFactory, reservation, orderPlaced);

    /// <remarks>
    /// <see cref="CertificateState.WakeAt"/> only spares re-registering the same reminder, so it is saved with the
    /// next state write rather than with a write of its own; after a crash the reminder is at worst registered again.
    /// </remarks>
    public async Task WakeAtAsync(DateTimeOffset at, TimeSpan period)
    {
        if (State.WakeAt == at) return;
        var due = at - clock.GetUtcNow();
        await this.RegisterOrUpdateReminder(ReminderName, due < TimeSpan.Zero ? TimeSpan.Zero : due, period);
        State.WakeAt = at;
    }

    public async Task SleepUntilAsync(DateTimeOffset? at)
    {
        if (at is { } wakeAt)
        {
            await WakeAtAsync(wakeAt, IdlePeriod);
            return;
        }
        // Asked of the reminder service, not of WakeAt: WakeAt may not have been saved since the last registration.
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        State.WakeAt = null;
    }

    public void ReconcileSoon() => ScheduleReconcile();

    private ICertificateRequestGrain RequestGrain(string name) =>
        GrainFactory.ByKey<ICertificateRequestGrain>(_key.WithName(name).ToGrainKey());

    private static bool SameAnnotations(ObjectMeta a, ObjectMeta b) =>
        (a.Annotations ?? []).Count == (b.Annotations ?? []).Count
        && (a.Annotations ?? []).All(l => b.Annotations!.TryGetValue(l.Key, out var v) && v == l.Value);

    private static bool SameLabels(ObjectMeta a, ObjectMeta b) =>
        (a.Labels ?? []).Count == (b.Labels ?? []).Count
        && (a.Labels ?? []).All(l => b.Labels!.TryGetValue(l.Key, out var v) && v == l.Value);
}
