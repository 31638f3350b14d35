using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Grains.RateLimits;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Grains;

/// <summary>
/// Keeps one Certificate's Secret current: runs cert-manager's policy chains, issues through a CertificateRequest
/// when they fail, writes the Secret and status, and sleeps on a reminder until renewal or the end of a backoff.
/// Inputs (sync, Secret and request changes) only record what happened and schedule a reconcile on a one-shot timer,
/// so callers never wait on the Kubernetes API.
/// </summary>
[GrainType("certificate")]
public sealed partial class CertificateGrain(
    [PersistentState("certificate", "certfleet")] IPersistentState<CertificateState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    ILogger<CertificateGrain> logger,
    RateLimitBudgets budgets) : Grain, ICertificateGrain, IRemindable
{
    private const string ReminderName = "reconcile";
    /// <summary>While an issuance is in flight the reminder ticks every minute, so a silo crash only delays it.</summary>
    private static readonly TimeSpan ActivePeriod = TimeSpan.FromMinutes(1);
    /// <summary>While the issuer cannot sign the issuer wakes this Certificate on any change; the reminder is only a safety net.</summary>
    private static readonly TimeSpan IssuerWaitPeriod = TimeSpan.FromMinutes(10);
    /// <summary>While idle the reminder also re-checks daily, as cert-manager's periodic resync does.</summary>
    private static readonly TimeSpan IdlePeriod = TimeSpan.FromHours(24);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private ObjectKey _key = null!;
    private StepTimer? _reconcile;
    /// <summary>The next private key between issuance steps; memory only, never persisted.</summary>
    private PrivateKey? _nextKey;
    /// <summary>The Certificate as last synced, with its inline keystore passwords; memory only (the state's copy has none).</summary>
    private Certificate? _live;
    private int _retryAttempt;
    /// <summary>The reminder was slowed to <see cref="IssuerWaitPeriod"/> while the issuer could not sign.</summary>
    private bool _waitingOnIssuer;
    /// <summary>The generation whose wildcard coverage this activation already warned about.</summary>
    private long? _coverageWarnedGeneration;
    private const string WildcardApexEventReason = "WildcardMissesApex";
    private const string KeystoresUpdatedEventReason = "KeystoresUpdated";
    /// <summary>Status bodies this activation wrote recently: their watch echoes are not external changes.</summary>
    private readonly Queue<string> _recentStatusWrites = new();

    private CertificateState State => store.State;
    private Certificate Object => State.Object!;
    private string Name => _key.Name;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _nextKey?.Dispose();
        return Task.CompletedTask;
    }

    public async Task SyncAsync(Certificate certificate)
    {
        // Only the annotations passed on to CertificateRequests are kept: a Certificate's other annotations (kubectl's
        // last-applied copy of the whole object, tools' data) would only bloat the state.
        var (copied, notCopied) = CopiedAnnotations.Select(certificate.Metadata.Annotations);
        certificate = certificate with { Metadata = certificate.Metadata with { Annotations = copied.Count > 0 ? copied : null } };
        var previous = State.Object;
        if (previous is not null && previous.Metadata.Uid != certificate.Metadata.Uid)
        {
            // Same name, new object: nothing of the old one's progress applies.
            store.State = new CertificateState();
            previous = null;
        }
        if (previous is null)
            AdoptObservedStatus(certificate.Status);

        var specChanged = previous is null || State.Deleted
                          || previous.Metadata.Generation != certificate.Metadata.Generation
                          || !SameLabels(previous.Metadata, certificate.Metadata);
        var statusChangedByOthers = certificate.Status is { } observed && !IsOwnEcho(observed);
        // State written before passwords were withheld from it still holds them: rewrite it without.
        var storedPassword = previous is not null && !KeystorePasswords.IsFitForState(previous);
        // An activation from storage learns inline keystore passwords only now: check the keystores once with them.
        var passwordsArrived = _live is null && KeystorePasswords.HasInline(certificate);
        _live = certificate;
        State.Object = KeystorePasswords.ForState(certificate);
        State.Deleted = false;
        if (specChanged || storedPassword)
            await store.WriteStateAsync();
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
        await GrainFactory.GetGrain<ISecretClaimGrain>(_key.WithName(secretName).ToGrainKey()).ReleaseAsync(Name);
        if (State.Issuance?.NextPrivateKeySecretName is { } nextKeySecret)
            await TryDeleteAsync(ResourceKind.Secret, _key.WithName(nextKeySecret));
        if (State.Issuance is { } issuance)
            await ReleaseRecordedReservationAsync(issuance);
        if (State.IdentifierSetKey is { } identifierSet)
            await GrainFactory.GetGrain<IIdentifierSetGrain>(identifierSet).DropAsync(_key);
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        if (State.RenewalInfo?.CertId is not null)
            await GrainFactory.GetGrain<IRenewalInfoGrain>(this.GetPrimaryKeyString()).StopAsync();
        _reconcile?.Cancel();
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task SecretChangedAsync(SecretMetadata? secret)
    {
        // Our own write comes back through the watch; only other changes (deletion, edits by others) matter.
        if (secret is null || secret.ResourceVersion != State.SecretResourceVersion)
            ScheduleReconcile();
        return Task.CompletedTask;
    }

    public async Task RequestChangedAsync(string requestName, RequestOutcome outcome)
    {
        if (State.Issuance is not { } issuance || issuance.RequestName != requestName)
            return;
        // Not written here: the CertificateRequest's grain keeps the outcome durably and hands it out again on the
        // next submit, and the reconcile scheduled now records the result.
        issuance.Outcome = outcome;
        ScheduleReconcile();
    }

    public Task WakeAsync()
    {
        ScheduleReconcile();
        return Task.CompletedTask;
    }

    public async Task RenewalInfoChangedAsync(RenewalSuggestion suggestion)
    {
        if (State.RenewalInfo?.SerialHex != suggestion.SerialHex)
            return; // about a certificate no longer in the Secret
        State.RenewalInfo = suggestion;
        await store.WriteStateAsync();
        ScheduleReconcile();
    }

    public Task ReconcileAsync() => RunReconcileAsync();

    public Task<CertificateState> GetStateAsync() => Task.FromResult(State);

    public Task ReceiveReminder(string reminderName, TickStatus status) => RunReconcileAsync();

    private void ScheduleReconcile(TimeSpan? delay = null) =>
        (_reconcile ??= new StepTimer(this, RunReconcileAsync)).Schedule(delay ?? TimeSpan.Zero);

    private async Task RunReconcileAsync()
    {
        if (State.Object is null || State.Deleted)
            return;
        try
        {
            await ReconcileObjectAsync();
            _retryAttempt = 0;
        }
        catch (Exception ex) when (ex is ClusterWriteException or TimeoutException or OrleansException)
        {
            // Transient: the API server or another grain did not answer. Retry soon from a timer; the durable
            // reminder still covers a silo crash.
            var delay = TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(_retryAttempt++, 9))));
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: reconcile failed, retrying in {Delay}", _key.Namespace, Name, delay);
            if (IsVersionConflict(ex))
                await ReloadStateAsync();
            await WriteStatusSafelyAsync(ex.Message);
            ScheduleReconcile(delay);
        }
        catch (PkiException ex)
        {
            // A spec the checks let through but the key or CSR builder refuses: retrying cannot help, a spec change can.
            logger.LogWarning("Certificate {Namespace}/{Name}: {Error}", _key.Namespace, Name, ex.Message);
            await BlockAsync(CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid: {ex.Message}", EventReasons.BadConfig);
            await ScheduleIdleAsync(null);
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
            await store.ReadStateAsync();
        }
        catch (OrleansException exception)
        {
            logger.LogWarning(exception, "Certificate {Namespace}/{Name}: state not read again yet", _key.Namespace, Name);
        }
    }

    private async Task ReconcileObjectAsync()
    {
        var spec = Object.Spec;
        var invalid = CertificateSpecValidation.Validate(spec);
        if (invalid.Count > 0)
        {
            await BlockAsync(CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid: {CertificateSpecValidation.Describe(invalid)}", EventReasons.BadConfig);
            await ScheduleIdleAsync(null);
            return;
        }

        if (WildcardCoverage.Note(spec) is { } coverage && _coverageWarnedGeneration != Object.Metadata.Generation)
        {
            RecordEvent(EventRecord.Warning, WildcardApexEventReason, coverage);
            _coverageWarnedGeneration = Object.Metadata.Generation;
        }

        var owner = await GrainFactory.GetGrain<ISecretClaimGrain>(_key.WithName(spec.SecretName).ToGrainKey()).ClaimAsync(Name);
        if (owner != Name)
        {
            State.SecretOwnedBy = owner;
            await BlockAsync(CertFleetReasons.SecretInUse,
                $"Secret \"{spec.SecretName}\" is already managed by Certificate \"{owner}\"; give this Certificate its own spec.secretName or delete one of the two",
                CertFleetReasons.SecretInUse);
            await ScheduleIdleAsync(null);
            return;
        }
        State.SecretOwnedBy = null;

        var wanted = IssuedForBuilder.From(spec);
        await TrackIdentifierSetAsync(wanted);
        if (State.Issuance is { } inFlight)
        {
            if (inFlight.For.Differences(wanted).Count == 0)
            {
                await ContinueIssuanceAsync();
                return;
            }
            // The spec changed under an issuance in flight: that request is for the wrong thing.
            await AbandonIssuanceAsync();
        }

        using var inspection = SecretInspection.Of(await reader.GetSecretAsync(_key.WithName(spec.SecretName)));
        var input = new PolicyInput
        {
            CertificateName = Name,
            Spec = spec,
            Secret = inspection.Secret,
            Certificate = inspection.Certificate,
            CertificateError = inspection.CertificateError,
            Key = inspection.Key,
            KeyError = inspection.KeyError,
            Wanted = wanted,
            IssuedFor = State.IssuedFor,
            Now = Now(),
            RenewalJitterPercent = options.Value.RenewalJitterPercent,
            RenewalInfo = State.RenewalInfo,
        };
        var trigger = CertificatePolicies.Evaluate(CertificatePolicies.Trigger, input);
        var notReady = CertificatePolicies.Evaluate(CertificatePolicies.Readiness, input);
        if (trigger is null && ManualRenewalRequested())
            trigger = new(CertificateReasons.ManuallyTriggered, "Certificate re-issuance manually triggered");

        if (trigger is null && State.RenewalInfo?.SerialHex != inspection.Certificate!.SerialHex)
        {
            // First sight of this certificate (adopted, or state lost): ask about ARI, then decide again.
            State.RenewalInfo = await RenewalInfoForAsync(inspection.Certificate!);
            input = input with { RenewalInfo = State.RenewalInfo };
            trigger = CertificatePolicies.Evaluate(CertificatePolicies.Trigger, input);
        }
        if (trigger is null)
        {
            await RecordUpToDateAsync(inspection, wanted, input.RenewalTime);
            return;
        }

        if (IssuanceBackoff.RetryAt(State.FailedIssuanceAttempts, State.LastFailureTime) is { } retryAt
            && Now() < retryAt && State.FailedFor is { } failedFor && failedFor.Differences(wanted).Count == 0)
        {
            // Backing off after a failure, unless the spec now asks for something else.
            await WriteStatusAsync(ReadyCondition(notReady), FailedIssuingCondition());
            await ScheduleIdleAsync(retryAt);
            return;
        }

        await StartIssuanceAsync(trigger, notReady, wanted, inspection);
    }

    /// <summary>
    /// The CA's renewal suggestion for a certificate when its issuer is ACME; otherwise (or when asking fails) a
    /// note that none applies, so the local renewal rule is used.
    /// </summary>
    private async Task<RenewalSuggestion> RenewalInfoForAsync(CertificateInfo certificate)
    {
        var none = new RenewalSuggestion { SerialHex = certificate.SerialHex };
        try
        {
            var renewalInfo = GrainFactory.GetGrain<IRenewalInfoGrain>(this.GetPrimaryKeyString());
            if (await IssuerGrainFor(Object.Spec.IssuerRef).GetAcmeContextAsync() is { } acme)
                return await renewalInfo.TrackAsync(acme, certificate.ToPem());
            if (State.RenewalInfo?.CertId is not null)
                await renewalInfo.StopAsync(); // now issued elsewhere: stop asking about the old certificate
            return none;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: renewal information not available", _key.Namespace, Name);
            return none with { LastError = ex.Message };
        }
    }

    private async Task RecordUpToDateAsync(SecretInspection inspection, IssuedFor wanted, DateTimeOffset? renewalTime)
    {
        var certificate = inspection.Certificate!;
        State.IssuedFor ??= wanted; // an existing Secret that already matches the spec is adopted as is
        State.NotBefore = certificate.NotBefore;
        State.NotAfter = certificate.NotAfter;
        State.RenewalTime = renewalTime;
        State.FailedIssuanceAttempts = 0;
        State.LastFailureTime = null;
        State.FailedFor = null;
        await RepairSecretMetadataAsync(inspection);
        await RefreshKeystoresAsync(inspection);
        await store.WriteStateAsync();
        await WriteStatusAsync(ReadyCondition(null), issuing: null);
        await ScheduleIdleAsync(renewalTime);
    }

    /// <summary>Labels and cert-manager.io annotations are put back without re-issuing, as cert-manager does.</summary>
    private async Task RepairSecretMetadataAsync(SecretInspection inspection)
    {
        var secret = inspection.Secret!;
        var wantedAnnotations = SecretContents.CertificateAnnotations(Object, inspection.Certificate!);
        var wantedLabels = new Dictionary<string, string>(Object.Spec.SecretTemplate?.Labels ?? []) { [Labels.ControllerFao] = Labels.True };
        foreach (var (name, value) in Object.Spec.SecretTemplate?.Annotations ?? [])
            if (!name.StartsWith("cert-manager.io/", StringComparison.Ordinal))
                wantedAnnotations[name] = value;
        var missing = wantedAnnotations.Any(a => secret.Annotations.GetValueOrDefault(a.Key) != a.Value)
                      || wantedLabels.Any(l => secret.Labels.GetValueOrDefault(l.Key) != l.Value);
        if (!missing)
        {
            State.SecretResourceVersion = secret.ResourceVersion;
            return;
        }
        State.SecretResourceVersion = await writer.ApplySecretAsync(
            new SecretData { Key = secret.Key, Type = secret.Type, Labels = wantedLabels, Annotations = wantedAnnotations }, []);
    }

    private async Task StartIssuanceAsync(PolicyViolation trigger, PolicyViolation? notReady, IssuedFor wanted, SecretInspection inspection)
    {
        State.Issuance = new IssuanceProgress
        {
            Revision = (State.Revision ?? 0) + 1,
            Reason = trigger.Reason,
            Message = trigger.Message,
            For = wanted,
            StartedAt = Now(),
            // ARI renewals name the certificate they replace (only set when the issuer's CA offers renewalInfo).
            Replaces = State.RenewalInfo is { CertId: { } certId } ari && ari.SerialHex == inspection.Certificate?.SerialHex ? certId : null,
        };
        if (ReusableKey(inspection) is { } reused)
        {
            _nextKey?.Dispose();
            _nextKey = PrivateKey.FromPem(reused);
        }
        await store.WriteStateAsync();
        RecordEvent(EventRecord.Normal, EventReasons.Issuing, trigger.Message);
        await WriteStatusAsync(ReadyCondition(notReady), IssuingCondition(trigger.Reason, trigger.Message));
        await EnsureReminderAsync(Now() + ActivePeriod, ActivePeriod);
        await ContinueIssuanceAsync();
    }

    /// <summary>With rotationPolicy Never the Secret's key is kept when it still satisfies the spec.</summary>
    private string? ReusableKey(SecretInspection inspection)
    {
        if (Object.Spec.PrivateKey?.RotationPolicy != PrivateKeyRotationPolicies.Never || inspection.Key is not { } key)
            return null;
        var spec = KeySpec.FromCertificateSpec(Object.Spec.PrivateKey?.Algorithm, Object.Spec.PrivateKey?.Size, Object.Spec.PrivateKey?.Encoding);
        if (!key.Satisfies(spec))
        {
            RecordEvent(EventRecord.Warning, EventReasons.CannotRegenerateKey,
                "User intervention required: existing private key in Secret does not match requirements on Certificate resource, mismatching fields: [spec.privateKey], but cert-manager cannot create new private key as the Certificate's .spec.privateKey.rotationPolicy field is set to \"Never\". The private key Secret must be manually deleted, or the Certificate's rotation policy changed.");
            return null;
        }
        return inspection.Secret!.GetString(SecretKeys.TlsPrivateKey);
    }

    private async Task ContinueIssuanceAsync()
    {
        var issuance = State.Issuance!;
        var spec = Object.Spec;

        var issuer = await CheckIssuerAsync(spec.IssuerRef);
        if (issuer is not null)
        {
            await WriteStatusAsync(ReadyCondition(new(issuer.Value.Reason, issuer.Value.Message)),
                IssuingCondition(issuance.Reason, issuance.Message));
            RecordEvent(EventRecord.Warning, issuer.Value.Reason, issuer.Value.Message);
            await EnsureReminderAsync(Now() + IssuerWaitPeriod, IssuerWaitPeriod);
            _waitingOnIssuer = true;
            return; // the issuer wakes this Certificate when it changes
        }
        if (_waitingOnIssuer)
        {
            await EnsureReminderAsync(Now() + ActivePeriod, ActivePeriod); // back to the issuance's pace
            _waitingOnIssuer = false;
        }

        await ReleaseRecordedReservationAsync(issuance);
        if (issuance.RequestName is null && !await CheckBudgetsAsync(issuance))
            return; // a budget is spent or the CA asked us to wait: the reminder comes back when it reopens

        var key = await EnsureNextPrivateKeyAsync(issuance);
        if (issuance.RequestName is null)
        {
            issuance.CsrPem ??= await Task.Run(() => CsrBuilder.BuildPem(CertificateTemplates.From(spec), key));
            var request = CertificateRequestFor(issuance);
            var created = await writer.CreateCertificateRequestAsync(_key.WithName(request.Metadata.Name!), request);
            issuance.RequestName = request.Metadata.Name;
            issuance.RequestUid = created.Metadata.Uid;
            await store.WriteStateAsync();
            RecordEvent(EventRecord.Normal, EventReasons.Requested, $"Created new CertificateRequest resource \"{issuance.RequestName}\"");
        }

        if (issuance.Outcome is not { IsFinal: true })
        {
            var requestGrain = GrainFactory.GetGrain<ICertificateRequestGrain>(_key.WithName(issuance.RequestName!).ToGrainKey());
            issuance.Outcome = await requestGrain.SubmitAsync(CertificateRequestFor(issuance), _key, null);
            if (!issuance.Outcome.IsFinal)
            {
                await EnsureTemporaryCertificateAsync(issuance, key);
                return; // RequestChangedAsync brings the outcome
            }
        }

        if (issuance.Outcome is { State: RequestState.Failed, RetryAt: not null })
        {
            // The CA answered 429, or a budget was found spent right before newOrder: not a failed issuance. The next
            // pass waits for the budget (a CA's Retry-After is held on the identifier set's) with reason RateLimited.
            await AbandonIssuanceAsync();
            // The next attempt creates a request of the same name: forget this one's outcome now rather than when
            // the bridge sees the deletion.
            await GrainFactory.GetGrain<ICertificateRequestGrain>(_key.WithName(issuance.RequestName!).ToGrainKey()).DeletedAsync();
            ScheduleReconcile();
        }
        else if (issuance.Outcome.State == RequestState.Issued)
            await CompleteIssuanceAsync(issuance, key);
        else
            // The Issuing condition copies the CertificateRequest's condition reason (Failed or Denied), as cert-manager does.
            await FailIssuanceAsync(issuance,
                issuance.Outcome.State == RequestState.Denied ? CertificateReasons.Denied : CertificateReasons.Failed,
                $"The certificate request has failed to complete and will be retried: {issuance.Outcome.Message}");
    }

    /// <summary>While the issuer works, a Secret without a usable key pair may get a placeholder (see <see cref="TemporaryCertificate"/>).</summary>
    private async Task EnsureTemporaryCertificateAsync(IssuanceProgress issuance, PrivateKey key)
    {
        string? version;
        try
        {
            version = await TemporaryCertificate.EnsureAsync(reader, writer, _key, Object, key, Now());
        }
        catch (PkiException ex)
        {
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: no temporary certificate", _key.Namespace, Name);
            return;
        }
        if (version is null)
            return;
        State.SecretResourceVersion = version;
        await store.WriteStateAsync();
        RecordEvent(EventRecord.Normal, EventReasons.Issuing, "Issued temporary certificate");
        await WriteStatusAsync(ReadyCondition(CertificatePolicies.TemporaryCertificateViolation(Object.Spec.IssuerRef)),
            IssuingCondition(issuance.Reason, issuance.Message));
    }

    /// <summary>Null when the issuer can sign; otherwise the reason and message to show.</summary>
    private async Task<(string Reason, string Message)?> CheckIssuerAsync(IssuerRef issuerRef)
    {
        var group = string.IsNullOrEmpty(issuerRef.Group) ? IssuerRef.DefaultGroup : issuerRef.Group;
        var kind = string.IsNullOrEmpty(issuerRef.Kind) ? IssuerRef.DefaultKind : issuerRef.Kind;
        if (group != IssuerRef.DefaultGroup || (kind != "Issuer" && kind != "ClusterIssuer"))
            return (CertFleetReasons.IssuerNotServed,
                $"spec.issuerRef names {kind}.{group}, which CertFleet does not serve; use an Issuer or ClusterIssuer of group cert-manager.io");
        var readiness = await IssuerGrainFor(issuerRef).GetReadinessAsync(_key);
        if (CertificateSpecValidation.ValidateForIssuer(Object.Spec, readiness.IssuerType) is { Count: > 0 } invalid)
            return (CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid for {kind} \"{issuerRef.Name}\": {CertificateSpecValidation.Describe(invalid)}");
        if (!readiness.Exists)
            return (CertFleetReasons.IssuerNotFound,
                $"Referenced {kind} \"{issuerRef.Name}\" not found; create it or fix spec.issuerRef");
        if (!readiness.Ready)
            return (CertFleetReasons.IssuerNotReady,
                $"Referenced {kind} \"{issuerRef.Name}\" is not ready: {readiness.Reason}: {readiness.Message}");
        return null;
    }

    private IIssuerGrain IssuerGrainFor(IssuerRef issuerRef) =>
        GrainFactory.GetGrain<IIssuerGrain>((issuerRef.Kind == "ClusterIssuer"
            ? new ObjectKey(_key.Cluster, "", issuerRef.Name)
            : _key.WithName(issuerRef.Name)).ToGrainKey());

    /// <summary>The next private key lives in its own Secret from generation until the certificate is stored.</summary>
    private async Task<PrivateKey> EnsureNextPrivateKeyAsync(IssuanceProgress issuance)
    {
        if (issuance.NextPrivateKeySecretName is { } existing)
        {
            if (_nextKey is not null)
                return _nextKey;
            var stored = await reader.GetSecretAsync(_key.WithName(existing));
            if (stored?.GetString(SecretKeys.TlsPrivateKey) is { } pem)
            {
                try
                {
                    _nextKey = PrivateKey.FromPem(pem);
                    return _nextKey;
                }
                catch (PkiException ex)
                {
                    RecordEvent(EventRecord.Warning, EventReasons.DecodeFailed, $"Failed to decode private key stored in Secret \"{existing}\": {ex.Message}");
                }
            }
            // Gone or unreadable: a request made with it would not match any more.
            issuance.NextPrivateKeySecretName = null;
            issuance.RequestName = null;
            issuance.CsrPem = null;
            issuance.Outcome = null;
        }

        var spec = Object.Spec;
        var reused = _nextKey is not null;
        _nextKey ??= await Task.Run(() => PrivateKey.Generate(
            KeySpec.FromCertificateSpec(spec.PrivateKey?.Algorithm, spec.PrivateKey?.Size, spec.PrivateKey?.Encoding)));
        var secret = new SecretData
        {
            Key = _key.WithName(""),
            Data = new() { [SecretKeys.TlsPrivateKey] = System.Text.Encoding.UTF8.GetBytes(_nextKey.ToPem(PrivateKeyEncodings.Pkcs8)) },
            Labels = new() { [Labels.NextPrivateKey] = Labels.True, [Labels.ControllerFao] = Labels.True },
            OwnerReferences = [OwnerReference()],
        };
        issuance.NextPrivateKeySecretName = await writer.CreateSecretAsync($"{Name}-", secret);
        await store.WriteStateAsync();
        RecordEvent(EventRecord.Normal, reused ? EventReasons.Reused : EventReasons.Generated, reused
            ? $"Reusing private key stored in existing Secret resource \"{spec.SecretName}\""
            : $"Stored new private key in temporary Secret resource \"{issuance.NextPrivateKeySecretName}\"");
        return _nextKey;
    }

    private CertificateRequest CertificateRequestFor(IssuanceProgress issuance)
    {
        var spec = Object.Spec;
        // Already reduced to the copied annotations when the Certificate was synced.
        var annotations = new Dictionary<string, string>(Object.Metadata.Annotations ?? []);
        annotations[ApiAnnotations.CertificateRevision] = issuance.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        annotations[ApiAnnotations.PrivateKeySecretName] = issuance.NextPrivateKeySecretName!;
        annotations[ApiAnnotations.CertificateName] = Name;
        if (spec.DnsPolicy is { } dnsPolicy)
            annotations[CertificateRequestGrain.DnsPolicyAnnotation] = dnsPolicy;
        MarkRenewal(issuance, annotations);
        if (issuance.Replaces is { } replaces)
            annotations[CertificateRequestGrain.ReplacesAnnotation] = replaces;
        return new CertificateRequest
        {
            Metadata = new ObjectMeta
            {
                Name = RequestName(issuance.Revision),
                Namespace = _key.Namespace,
                Uid = issuance.RequestUid,
                Labels = Object.Metadata.Labels is { } labels ? new(labels) : null,
                Annotations = annotations,
                OwnerReferences =
                [
                    new OwnerReference
                    {
                        ApiVersion = Certificate.GroupVersion, Kind = Certificate.KindName, Name = Name,
                        Uid = Object.Metadata.Uid ?? "", Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new CertificateRequestSpec
            {
                Request = System.Text.Encoding.UTF8.GetBytes(issuance.CsrPem!),
                IssuerRef = spec.IssuerRef,
                Duration = GoDuration.Format(CertificateSpecValidation.Duration(spec)),
                IsCA = spec.IsCA,
                Usages = spec.Usages is { Count: > 0 } usages ? usages : [KeyUsages.DigitalSignature, KeyUsages.KeyEncipherment],
            },
        };
    }

    /// <summary>cert-manager's stable name, shortened with a hash only when it would exceed Kubernetes' 253 characters.</summary>
    private string RequestName(int revision)
    {
        var name = $"{Name}-{revision}";
        if (name.Length <= 253) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{Name[..(252 - hash.Length - 1 - revision.ToString(System.Globalization.CultureInfo.InvariantCulture).Length)]}-{hash}-{revision}";
    }

    private async Task CompleteIssuanceAsync(IssuanceProgress issuance, PrivateKey key)
    {
        var outcome = issuance.Outcome!;
        CertificateInfo leaf;
        try
        {
            leaf = CertificateInfo.ParseFirst(outcome.ChainPem ?? "");
        }
        catch (PkiException ex)
        {
            await FailIssuanceAsync(issuance, CertificateReasons.InvalidCertificate, $"The issuer returned a certificate that cannot be parsed: {ex.Message}");
            return;
        }
        if (!leaf.MatchesKey(key))
        {
            await FailIssuanceAsync(issuance, CertificateReasons.InvalidCertificate, "The issued certificate does not match the private key that requested it");
            return;
        }
        if (Now() >= leaf.NotAfter)
        {
            await FailIssuanceAsync(issuance, CertificateReasons.InvalidCertificate,
                $"The issuer returned a certificate that expired on {CertificatePolicies.FormatTime(leaf.NotAfter)}");
            return;
        }

        var passwords = await KeystorePasswordsAsync();
        var contents = SecretContents.Build(_key.WithName(Object.Spec.SecretName), Object, key, outcome.ChainPem!, outcome.CaPem, passwords);
        State.SecretResourceVersion = await writer.ApplySecretAsync(contents.Secret, contents.RemoveKeys);
        State.KeystoresWrittenWith = passwords.Unknown ? null : passwords.Fingerprint();

        State.Revision = issuance.Revision;
        State.IssuedFor = issuance.For;
        State.NotBefore = leaf.NotBefore;
        State.NotAfter = leaf.NotAfter;
        State.RenewalInfo = await RenewalInfoForAsync(leaf);
        State.RenewalTime = RenewalPlan.At(Name, leaf, Object.Spec, options.Value.RenewalJitterPercent, State.RenewalInfo);
        State.FailedIssuanceAttempts = 0;
        State.LastFailureTime = null;
        State.LastFailureReason = null;
        State.LastFailureMessage = null;
        State.FailedFor = null;
        State.Issuance = null;
        State.RateLimitWait = null;
        _nextKey?.Dispose();
        _nextKey = null;
        await store.WriteStateAsync();
        // Deleted only once the issuance is recorded as done: a crash before the record resumes the issuance, which
        // needs this key to accept the certificate instead of making a new key and ordering again.
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
            await TryDeleteAsync(ResourceKind.Secret, _key.WithName(nextKeySecret));

        RecordEvent(EventRecord.Normal, EventReasons.Issuing, "The certificate has been successfully issued");
        await WriteStatusAsync(ReadyCondition(null), issuing: null);
        await PruneRequestHistoryAsync(issuance.Revision);
        await ScheduleIdleAsync(State.RenewalTime);
    }

    private async Task FailIssuanceAsync(IssuanceProgress issuance, string reason, string message)
    {
        State.FailedIssuanceAttempts++;
        State.LastFailureTime = TruncatedNow();
        State.LastFailureReason = reason;
        State.LastFailureMessage = message;
        State.FailedFor = issuance.For;
        State.Issuance = null;
        _nextKey?.Dispose();
        _nextKey = null;
        await store.WriteStateAsync();
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
            await TryDeleteAsync(ResourceKind.Secret, _key.WithName(nextKeySecret)); // after the record, as on success

        RecordEvent(EventRecord.Warning, EventReasons.Failed, message);
        var currentReady = ConditionList.Find(CurrentStatus()?.Conditions, ConditionTypes.Ready);
        await WriteStatusAsync(currentReady ?? ReadyCondition(new(reason, message)), FailedIssuingCondition());
        await ScheduleIdleAsync(IssuanceBackoff.RetryAt(State.FailedIssuanceAttempts, State.LastFailureTime));
    }

    private async Task AbandonIssuanceAsync()
    {
        var issuance = State.Issuance!;
        await ReleaseRecordedReservationAsync(issuance);
        if (issuance.RequestName is { } request)
            await TryDeleteAsync(ResourceKind.CertificateRequest, _key.WithName(request));
        if (issuance.NextPrivateKeySecretName is { } nextKeySecret)
            await TryDeleteAsync(ResourceKind.Secret, _key.WithName(nextKeySecret));
        _nextKey?.Dispose();
        _nextKey = null;
        State.Issuance = null;
        await store.WriteStateAsync();
    }

    /// <summary>Keeps spec.revisionHistoryLimit CertificateRequests (default 1), deleting older ones.</summary>
    private async Task PruneRequestHistoryAsync(int revision)
    {
        var limit = Math.Max(1, Object.Spec.RevisionHistoryLimit ?? 1);
        var oldest = revision - limit;
        if (oldest >= 1)
            await TryDeleteAsync(ResourceKind.CertificateRequest, _key.WithName(RequestName(oldest)));
    }

    private async Task<KeystorePasswords> KeystorePasswordsAsync()
    {
        // Inline passwords come from the live object only; the stored one is without them.
        var live = _live is { } synced && synced.Metadata.Uid == Object.Metadata.Uid && synced.Metadata.Generation == Object.Metadata.Generation
            ? synced
            : null;
        var keystores = (live ?? Object).Spec.Keystores;
        if (keystores is null) return KeystorePasswords.None;
        var unknown = false;
        async Task<string?> PasswordAsync(bool create, string? inline, SecretKeySelector? reference, string field)
        {
            if (!create) return null;
            if (inline is not null)
            {
                // Stored state withholds inline passwords: until the watch delivers the live object it is unknown.
                unknown |= live is null;
                return live is null ? null : inline;
            }
            if (reference is null) return null;
            var secret = await reader.GetSecretAsync(_key.WithName(reference.Name));
            var value = secret?.GetString(reference.Key ?? "");
            if (value is null)
                RecordEvent(EventRecord.Warning, EventReasons.BadConfig,
                    $"{field}: Secret \"{reference.Name}\" key \"{reference.Key}\" not found; the keystore is not written until it exists");
            return value;
        }
        return new KeystorePasswords(
            await PasswordAsync(keystores.Pkcs12?.Create == true, keystores.Pkcs12?.Password, keystores.Pkcs12?.PasswordSecretRef, "spec.keystores.pkcs12.passwordSecretRef"),
            await PasswordAsync(keystores.Jks?.Create == true, keystores.Jks?.Password, keystores.Jks?.PasswordSecretRef, "spec.keystores.jks.passwordSecretRef"))
        {
            Unknown = unknown,
        };
    }

    /// <summary>
    /// Re-writes the keystores of an up-to-date Secret when their password changed, or keystores were added or
    /// removed since they were written, with the certificate and key already there (cert-manager re-issues nothing
    /// for this either). A Secret that has no keystores and needs none is left alone.
    /// </summary>
    private async Task RefreshKeystoresAsync(SecretInspection inspection)
    {
        var passwords = await KeystorePasswordsAsync();
        var secret = inspection.Secret!;
        if (passwords.Unknown || passwords.Matches(State.KeystoresWrittenWith) || inspection.Key is not { } key
            || secret.GetString(SecretKeys.TlsCertificate) is not { Length: > 0 } chainPem)
            return;
        if (passwords == KeystorePasswords.None && !SecretContents.KeystoreKeys.Any(secret.Data.ContainsKey))
            return;
        var contents = SecretContents.Build(secret.Key, Object, key, chainPem, secret.GetString(SecretKeys.CaCertificate), passwords);
        State.SecretResourceVersion = await writer.ApplySecretAsync(contents.Secret, contents.RemoveKeys);
        State.KeystoresWrittenWith = passwords.Fingerprint();
        RecordEvent(EventRecord.Normal, KeystoresUpdatedEventReason, "The keystores in the Secret have been written again for the current spec.keystores and passwords");
    }

    /// <summary>Ready=False with a CertFleet reason; while a valid certificate is in place, renewal blockers show on Issuing instead.</summary>
    private async Task BlockAsync(string reason, string message, string eventReason)
    {
        var issuing = State.Issuance is { } issuance ? IssuingCondition(issuance.Reason, issuance.Message) : null;
        await WriteStatusAsync(ReadyCondition(new(reason, message)), issuing);
        RecordEvent(EventRecord.Warning, eventReason, message);
    }

    private bool ManualRenewalRequested() =>
        ConditionList.Find(Object.Status?.Conditions, ConditionTypes.Issuing) is { Status: ConditionStatus.True, Reason: CertificateReasons.ManuallyTriggered };

    private Condition ReadyCondition(PolicyViolation? notReady)
    {
        var ready = notReady is null
            ? Condition(ConditionTypes.Ready, ConditionStatus.True, CertificateReasons.Ready,
                WildcardCoverage.Note(Object.Spec) is { } note
                    ? $"Certificate is up to date and has not expired; note: {note}"
                    : "Certificate is up to date and has not expired")
            : Condition(ConditionTypes.Ready, ConditionStatus.False, notReady.Reason, notReady.Message);
        return State.Duplicates.Count > 0 ? ready with { Message = $"{ready.Message}; {DuplicateNote()}" } : ready;
    }

    private Condition IssuingCondition(string reason, string message) =>
        Condition(ConditionTypes.Issuing, ConditionStatus.True, reason, message);

    private Condition FailedIssuingCondition() =>
        Condition(ConditionTypes.Issuing, ConditionStatus.False, State.LastFailureReason ?? CertificateReasons.Failed,
            State.LastFailureMessage ?? "The certificate request has failed to complete and will be retried");

    private Condition Condition(string type, string status, string reason, string message) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastTransitionTime = TruncatedNow(),
        ObservedGeneration = Object.Metadata.Generation,
    };

    private CertificateStatus? CurrentStatus() => State.WrittenStatus ?? Object.Status;

    private async Task WriteStatusAsync(Condition ready, Condition? issuing)
    {
        var conditions = ConditionList.Set(CurrentStatus()?.Conditions, ready);
        conditions = issuing is null ? ConditionList.Remove(conditions, ConditionTypes.Issuing) : ConditionList.Set(conditions, issuing);
        var status = new CertificateStatus
        {
            Conditions = conditions,
            NotBefore = State.NotBefore,
            NotAfter = State.NotAfter,
            RenewalTime = State.RenewalTime,
            Revision = State.Revision,
            NextPrivateKeySecretName = State.Issuance?.NextPrivateKeySecretName,
            FailedIssuanceAttempts = State.FailedIssuanceAttempts > 0 ? State.FailedIssuanceAttempts : null,
            LastFailureTime = State.LastFailureTime,
            Acme = State.RenewalInfo is { CertId: not null } ari
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
        var body = JsonSerializer.Serialize(status, ApiJson.Options);
        if (CurrentStatus() is { } current && JsonSerializer.Serialize(current, ApiJson.Options) == body)
            return;
        await writer.WriteStatusAsync(ResourceKind.Certificate, _key, status);
        State.WrittenStatus = status;
        _recentStatusWrites.Enqueue(body);
        while (_recentStatusWrites.Count > 8)
            _recentStatusWrites.Dequeue();
    }

    /// <summary>After a failed reconcile, say why on the Issuing condition if the API lets us.</summary>
    private async Task WriteStatusSafelyAsync(string error)
    {
        try
        {
            var ready = ConditionList.Find(CurrentStatus()?.Conditions, ConditionTypes.Ready)
                        ?? ReadyCondition(new(CertFleetReasons.ApiError, error));
            var issuing = State.Issuance is { } issuance
                ? IssuingCondition(issuance.Reason, $"{issuance.Message}; retrying after error: {error}")
                : ConditionList.Find(CurrentStatus()?.Conditions, ConditionTypes.Issuing);
            await WriteStatusAsync(ready, issuing);
        }
        catch (Exception ex) when (ex is ClusterWriteException or TimeoutException)
        {
            logger.LogDebug(ex, "Certificate {Namespace}/{Name}: status not written", _key.Namespace, Name);
        }
    }

    private bool IsOwnEcho(CertificateStatus observed)
    {
        var body = JsonSerializer.Serialize(observed, ApiJson.Options);
        return _recentStatusWrites.Contains(body)
               || (State.WrittenStatus is { } written && JsonSerializer.Serialize(written, ApiJson.Options) == body);
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

    private async Task ScheduleIdleAsync(DateTimeOffset? wakeAt)
    {
        if (wakeAt is { } at)
        {
            await EnsureReminderAsync(at, IdlePeriod);
            return;
        }
        // Asked of the reminder service, not of WakeAt: WakeAt may not have been saved since the last registration.
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        State.WakeAt = null;
    }

    /// <remarks>
    /// <see cref="CertificateState.WakeAt"/> only spares re-registering the same reminder, so it is saved with the
    /// next state write rather than with a write of its own; after a crash the reminder is at worst registered again.
    /// </remarks>
    private async Task EnsureReminderAsync(DateTimeOffset at, TimeSpan period)
    {
        if (State.WakeAt == at) return;
        var due = at - Now();
        await this.RegisterOrUpdateReminder(ReminderName, due < TimeSpan.Zero ? TimeSpan.Zero : due, period);
        State.WakeAt = at;
    }

    private async Task TryDeleteAsync(ResourceKind kind, ObjectKey key)
    {
        try
        {
            await writer.DeleteAsync(kind, key);
        }
        catch (ClusterWriteException ex)
        {
            // Leftovers are owned by the Certificate and garbage-collected with it; not worth failing issuance.
            logger.LogWarning(ex, "Certificate {Namespace}/{Name}: could not delete {Kind} {Object}", _key.Namespace, Name, kind.Kind, key.Name);
        }
    }

    private Interfaces.Ports.OwnerRef OwnerReference() =>
        new(Certificate.GroupVersion, Certificate.KindName, Name, Object.Metadata.Uid ?? "");

    private void RecordEvent(string type, string reason, string message)
    {
        var record = new EventRecord(ResourceKind.Certificate, _key, Object.Metadata.Uid, type, reason, message, "cert-manager-certificates-issuing");
        writer.RecordInBackground(record);
    }

    private DateTimeOffset Now() => clock.GetUtcNow();

    private DateTimeOffset TruncatedNow() => clock.UtcNowInWholeSeconds();

    private static bool SameAnnotations(ObjectMeta a, ObjectMeta b) =>
        (a.Annotations ?? []).Count == (b.Annotations ?? []).Count
        && (a.Annotations ?? []).All(l => b.Annotations!.TryGetValue(l.Key, out var v) && v == l.Value);

    private static bool SameLabels(ObjectMeta a, ObjectMeta b) =>
        (a.Labels ?? []).Count == (b.Labels ?? []).Count
        && (a.Labels ?? []).All(l => b.Labels!.TryGetValue(l.Key, out var v) && v == l.Value);
}
