using Microsoft.Extensions.DependencyInjection;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// One Issuer or ClusterIssuer: checks its configuration (for CA issuers, the key pair in its Secret), reports the
/// Ready condition cert-manager reports, and wakes waiting Certificates once it is ready. It signs nothing: every
/// Certificate of a ClusterIssuer reaches this one activation, so it only answers snapshots, which interleave and on
/// the Ready path touch no storage. Signing runs in <see cref="IssuerSignerGrain"/> workers.
/// </summary>
/// <remarks>
/// Snapshot calls interleave with the other turns, so two rules keep the state consistent: checks run one at a time
/// (<see cref="CheckAsync"/>), and storage writes run one at a time, coalescing the changes made while one is in
/// flight into the next (<see cref="WriteStateAsync"/>), so 10,000 Certificates waiting on one issuer cost a handful
/// of writes, not 10,000.
/// </remarks>
[GrainType("issuer")]
public sealed class IssuerGrain(
    [PersistentState("issuer", "certfleet")] IPersistentState<IssuerState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    ILogger<IssuerGrain> logger,
    IClusterMembership membership,
    Acme.Dns01Providers dns01Providers,
    VaultConnections vault) : Grain, IIssuerGrain, IRemindable
{
    private const string RecheckReminder = "recheck";
    /// <summary>A not-ready issuer looks again after 1 minute, then 2, 4, 8 and every 10 (memory only: a restart begins again).</summary>
    private static readonly ExponentialBackoff Recheck = new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

    private ObjectKey _key = null!;
    private TimeSpan _recheckDelay;
    private int _rechecks;
    /// <summary>The last check started; the next one waits for it.</summary>
    private Task<IssuerReadiness>? _checking;
    /// <summary>The storage write in flight, and the one queued behind it that later changes join.</summary>
    private Task _writing = Task.CompletedTask;
    private Task? _queuedWrite;

    private IssuerState State => store.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task SyncAsync(IssuerObject issuer)
    {
        GrainScopeException.ThrowIf(IssuerScope.ObjectRefusal(_key, issuer.Kind, issuer.Metadata)
                                    ?? (issuer.IsClusterIssuer == _key.IsClusterScoped ? null : $"{issuer.Kind} \"{issuer.Metadata.Name}\" refused by issuer grain \"{_key.ToGrainKey()}\": the key's scope does not match the kind"));
        var previous = State.Issuer;
        var specChanged = previous is null || previous.Metadata.Uid != issuer.Metadata.Uid
                          || previous.Metadata.Generation != issuer.Metadata.Generation || State.Readiness is null
                          // A CA Secret may have changed while this issuer was not active: look once per activation.
                          || (issuer.Spec.CA is not null && _checking is null);
        if (!specChanged && ResourceVersions.IsAtOrBelow(issuer.Metadata.ResourceVersion, State.WrittenVersion))
            return; // our own status write coming back, or older
        State.Issuer = issuer;
        if (specChanged)
        {
            (_recheckDelay, _rechecks) = (TimeSpan.Zero, 0);
            await CheckAsync();
            if (State.Issuer?.Spec.Acme is { } acme)
                await WarnAboutSolversAsync(acme);
        }
        else if (State.Readiness is { } readiness && !await WriteStatusAsync(readiness)) // someone else changed it: put the Ready condition back if they changed that
        {
            await DeletedAsync();
        }
    }

    public async Task DeletedAsync()
    {
        await this.UnregisterReminderIfAnyAsync(RecheckReminder);
        var waiters = State.Waiters;
        await WritesDoneAsync();
        await (_writing = store.ClearStateAsync());
        await WakeAsync(waiters);
    }

    public async Task<IssuerSnapshot> GetSnapshotAsync(ObjectKey? waiter)
    {
        var readiness = await ReadinessAsync(waiter);
        return new IssuerSnapshot(readiness, AcmeContext())
        {
            CaSecret = State.Issuer?.Spec.CA is { } ca ? CaSecretKey(ca) : null,
            CaSecretVersion = State.CaSecretVersion,
            CrlDistributionPoints = State.Issuer?.Spec.CA?.CrlDistributionPoints ?? State.Issuer?.Spec.SelfSigned?.CrlDistributionPoints ?? [],
            OcspServers = State.Issuer?.Spec.CA?.OcspServers ?? [],
            IssuingCertificateUrls = State.Issuer?.Spec.CA?.IssuingCertificateUrls ?? [],
            Vault = readiness.Ready ? State.Issuer?.Spec.Vault : null,
        };
    }

    public async Task SecretChangedAsync()
    {
        (_recheckDelay, _rechecks) = (TimeSpan.Zero, 0);
        if (State.Issuer is not null)
            await CheckAsync();
    }

    public async Task ReconcileAsync()
    {
        if (State.Issuer is not null)
            await CheckAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        membership.HasLeft(_key.Cluster) ? DetachAsync() : ReconcileAsync();

    /// <summary>As <see cref="DeletedAsync"/>, but its waiters are not woken: they are the left cluster's, and forget themselves too.</summary>
    public async Task DetachAsync()
    {
        // What this issuer made of its own: the subscription to its CA Secret's claim, its ACME account.
        if (State.Issuer?.Spec.CA is { } ca)
            await GrainFactory.ByKey<ISecretClaimGrain>(CaSecretKey(ca).ToGrainKey()).DetachAsync();
        if (State.Issuer?.Spec.Acme is not null)
            await GrainFactory.ByKey<IAcmeAccountGrain>(_key.ToGrainKey()).DetachAsync();
        await this.UnregisterReminderIfAnyAsync(RecheckReminder);
        await WritesDoneAsync();
        await (_writing = store.ClearStateAsync());
        DeactivateOnIdle();
    }

    /// <summary>
    /// Readiness from memory; checked once (shared by concurrent callers) when not known yet. A waiter of a not-ready
    /// issuer is stored before the answer returns, so it is woken even if this activation is lost.
    /// </summary>
    private async Task<IssuerReadiness> ReadinessAsync(ObjectKey? waiter)
    {
        var readiness = State.Issuer is null
            ? NotFound()
            : State.Readiness ?? await (_checking is { IsCompleted: false } running ? running : CheckAsync());
        if (!readiness.Ready && waiter is not null && State.Waiters.Add(waiter))
            await WriteStateAsync();
        return readiness;
    }

    private AcmeIssuerContext? AcmeContext()
    {
        if (State.Issuer is not { Spec.Acme: { } acme } issuer || State.Readiness?.Ready != true || State.AcmeAccount?.AccountUrl is not { } accountUrl)
            return null;
        var secretNamespace = IssuerScope.SecretNamespace(_key, options.Value.ClusterResourceNamespace);
        return new AcmeIssuerContext
        {
            Issuer = _key,
            IssuerKind = KindName,
            Spec = acme,
            AccountUrl = accountUrl,
            AccountKeySecret = new ObjectKey(_key.Cluster, secretNamespace, acme.PrivateKeySecretRef.Name),
        };
    }

    /// <summary>Runs a check after any check still running (snapshot calls may have started one).</summary>
    private Task<IssuerReadiness> CheckAsync() => _checking = CheckAfterAsync(_checking);

    private async Task<IssuerReadiness> CheckAfterAsync(Task? previous)
    {
        if (previous is { IsCompleted: false })
        {
            try
            {
                await previous;
            }
            catch (Exception)
            {
                // Its own caller saw the failure; this check starts afresh.
            }
        }
        return await CheckOnceAsync();
    }

    /// <summary>Decides readiness from the configuration, writes it to status, and wakes waiters once ready.</summary>
    private async Task<IssuerReadiness> CheckOnceAsync()
    {
        var issuer = State.Issuer!;
        var spec = issuer.Spec;
        var configured = new object?[] { spec.Acme, spec.CA, spec.SelfSigned, spec.Vault, spec.Venafi }.Count(c => c is not null);
        var retry = false;
        IssuerReadiness readiness;
        if (configured != 1)
        {
            readiness = NotReady(IssuerReasons.InvalidConfig,
                $"exactly one of spec.acme, spec.ca, spec.selfSigned, spec.vault or spec.venafi must be set, found {configured}", "Invalid");
        }
        else if (spec.SelfSigned is not null)
        {
            readiness = new IssuerReadiness(true, true, IssuerReasons.IsReady, "", "SelfSigned");
        }
        else if (spec.CA is { } ca)
        {
            var secretKey = CaSecretKey(ca);
            // Verified and let go: the signers load the key pair themselves.
            var load = await CaKeyPairLoader.LoadAsync(reader, secretKey, clock.GetUtcNow());
            load.KeyPair?.Dispose();
            await SubscribeAsync(secretKey);
            State.CaSecretVersion = load.SecretVersion;
            if (load.Error is null)
            {
                readiness = new IssuerReadiness(true, true, IssuerReasons.KeyPairVerified, "Signing CA verified", "CA");
            }
            else
            {
                readiness = NotReady(load.SecretMissing ? IssuerReasons.ErrGetKeyPair : IssuerReasons.ErrInvalidKeyPair, load.Error, "CA");
                retry = true; // the Secret may appear or be fixed without this grain hearing of it
            }
        }
        else if (spec.Acme is { } acme)
        {
            var registration = await GrainFactory.ByKey<IAcmeAccountGrain>(_key.ToGrainKey()).RegisterAsync(acme);
            State.AcmeAccount = registration.Registered ? registration : null;
            readiness = registration.Registered
                ? new IssuerReadiness(true, true, registration.Reason, registration.Message, "ACME")
                : NotReady(registration.Reason, registration.Message, "ACME");
            retry = !registration.Registered; // the CA may be down for a while
        }
        else if (spec.Vault is { } vaultIssuer)
        {
            var error = await vault.VerifyAsync(_key, vaultIssuer);
            readiness = error is null
                ? new IssuerReadiness(true, true, IssuerReasons.VaultVerified, VaultConnections.Verified, "Vault")
                : NotReady(IssuerReasons.VaultError, error, "Vault");
            retry = error is not null; // Vault may be sealed, unreachable or its Secrets not there yet
        }
        else
        {
            readiness = NotReady(IssuerReasons.ErrInitIssuer, "Venafi issuers are not supported by this CertFleet version; use a CA, SelfSigned, ACME or Vault issuer", "Venafi");
        }

        var previous = State.Readiness;
        var wasReady = previous?.Ready == true;
        // No await between publishing readiness and taking the waiters: a snapshot call interleaving here either sees
        // the old readiness and is among the waiters taken, or sees the new one.
        State.Readiness = readiness;
        var woken = readiness.Ready ? State.Waiters : [];
        if (readiness.Ready)
            State.Waiters = [];
        if (!await WriteStatusAsync(readiness))
        {
            State.Waiters.UnionWith(woken); // they hear that it is gone instead
            await DeletedAsync();
            return NotFound();
        }
        await WriteStateAsync();
        if (!readiness.Ready && (wasReady || issuer.Status is null))
            RecordEvent(EventRecord.Warning, readiness.Reason, readiness.Message);
        await UpdateRecheckAsync(retry);
        if (woken.Count > 0)
        {
            await WakeAsync(woken);
        }
        else if (State.Waiters.Count > 0 && (previous is null || previous.Reason != readiness.Reason || previous.Message != readiness.Message))
        {
            // Still not ready, but for another reason (or it just appeared): waiters show a stale reason until told.
            await WakeAsync([.. State.Waiters]);
        }
        return readiness;
    }

    /// <summary>
    /// A DNS-01 solver that cannot be built (unsupported, a field, Secret or key missing or wrong) gets a Warning Event on
    /// the issuer when its spec is synced, so it is seen before a Challenge first fails on it. Readiness is not touched:
    /// as in cert-manager, an ACME issuer is ready once its account is, and other solvers may serve.
    /// </summary>
    private async Task WarnAboutSolversAsync(AcmeIssuer acme)
    {
        var solvers = acme.Solvers ?? [];
        for (var i = 0; i < solvers.Count; i++)
        {
            if (solvers[i].Dns01 is not { } dns01)
                continue;
            string? problem;
            try
            {
                problem = await dns01Providers.ProblemAsync(_key, KindName, dns01);
            }
            catch (ClusterWriteException ex)
            {
                // Reading a Secret failed for now (API server unreachable, RBAC): nothing is known against the solver.
                logger.LogInformation("{Kind} {Name}: solver {Index} not checked: {Error}", KindName, _key, i, ex.Message);
                continue;
            }
            if (problem is not null)
                RecordEvent(EventRecord.Warning, IssuerReasons.InvalidSolver,
                    problem.Replace("spec.acme.solvers[]", $"spec.acme.solvers[{i}]", StringComparison.Ordinal));
        }
    }

    private ObjectKey CaSecretKey(CaIssuer ca) => IssuerScope.Secret(_key, options.Value.ClusterResourceNamespace, ca.SecretName);

    /// <summary>
    /// Storage writes one at a time (snapshot calls interleave and may add waiters): a write asked for while one is in
    /// flight is queued, and every change made before the queued one starts rides on it.
    /// </summary>
    private Task WriteStateAsync()
    {
        if (_queuedWrite is not null)
            return _queuedWrite;
        if (_writing.IsCompleted)
            return _writing = store.WriteStateAsync();
        return _queuedWrite = WriteAfterAsync(_writing);
    }

    private async Task WriteAfterAsync(Task inFlight)
    {
        try
        {
            await inFlight;
        }
        catch (Exception)
        {
            // Its own callers saw the failure; this write stores the state as it is now.
        }
        _queuedWrite = null;
        await (_writing = store.WriteStateAsync());
    }

    private async Task WritesDoneAsync()
    {
        while (!_writing.IsCompleted || _queuedWrite is not null)
        {
            try
            {
                await (_queuedWrite ?? _writing);
            }
            catch (Exception)
            {
                // The writer's callers saw it; deleting goes ahead.
            }
        }
    }

    private async Task SubscribeAsync(ObjectKey secretKey)
    {
        if (State.SubscribedSecret == secretKey) return;
        await GrainFactory.ByKey<ISecretClaimGrain>(secretKey.ToGrainKey()).SubscribeAsync(_key);
        State.SubscribedSecret = secretKey;
    }

    private async Task UpdateRecheckAsync(bool retry)
    {
        if (!retry)
        {
            (_recheckDelay, _rechecks) = (TimeSpan.Zero, 0);
            await this.UnregisterReminderIfAnyAsync(RecheckReminder);
            return;
        }
        // Backing off: a Secret that stays broken or a CA that stays down is not asked every minute for ever.
        var next = Recheck.Delay(++_rechecks);
        if (next == _recheckDelay)
            return;
        await this.RegisterOrUpdateReminder(RecheckReminder, next, next);
        _recheckDelay = next;
    }

    /// <summary>
    /// Writes the Ready condition if it changed; false when the issuer no longer exists (deleted without this grain
    /// hearing of it, e.g. while no silo watched), which the caller treats as its deletion.
    /// </summary>
    private async Task<bool> WriteStatusAsync(IssuerReadiness readiness)
    {
        var issuer = State.Issuer!;
        var current = ConditionList.Find(issuer.Status?.Conditions, ConditionTypes.Ready);
        var status = readiness.Ready ? ConditionStatus.True : ConditionStatus.False;
        if (current is not null && current.Status == status && current.Reason == readiness.Reason && current.Message == StatusText.Truncate(readiness.Message)
            && current.ObservedGeneration == issuer.Metadata.Generation && issuer.Status?.Acme?.Uri == State.AcmeAccount?.AccountUrl)
            return true;
        var ready = new Condition
        {
            Type = ConditionTypes.Ready, Status = status, Reason = readiness.Reason, Message = readiness.Message,
            LastTransitionTime = clock.UtcNowInWholeSeconds(),
            ObservedGeneration = issuer.Metadata.Generation,
        };
        var newStatus = (issuer.Status ?? new IssuerStatus()) with
        {
            Conditions = ConditionList.Set(issuer.Status?.Conditions, ready),
            Acme = State.AcmeAccount is { } account
                ? new AcmeIssuerStatus { Uri = account.AccountUrl, LastRegisteredEmail = account.Email }
                : issuer.Status?.Acme,
        };
        try
        {
            var written = await writer.WriteStatusAsync(issuer.IsClusterIssuer ? ResourceKind.ClusterIssuer : ResourceKind.Issuer, _key, newStatus);
            State.WrittenVersion = ResourceVersions.Latest(State.WrittenVersion, written);
            State.Issuer = issuer with { Status = newStatus };
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            logger.LogInformation("{Kind} {Name} no longer exists ({Error}); forgetting it", KindName, _key, ex.Message);
            return false;
        }
        catch (ClusterWriteException ex)
        {
            logger.LogWarning(ex, "{Kind} {Name}: status not written", KindName, _key);
        }
        return true;
    }

    private async Task WakeAsync(IEnumerable<ObjectKey> waiters) =>
        await Task.WhenAll(waiters.Select(w => GrainFactory.ByKey<ICertificateGrain>(w.ToGrainKey()).WakeAsync()));

    private string KindName => _key.IsClusterScoped ? "ClusterIssuer" : "Issuer";

    private IssuerReadiness NotFound() => new(false, false, EventReasons.IssuerNotFound, $"{KindName} \"{_key.Name}\" not found", "");

    private static IssuerReadiness NotReady(string reason, string message, string type) => new(true, false, reason, message, type);

    private void RecordEvent(string type, string reason, string message)
    {
        var kind = State.Issuer?.IsClusterIssuer == true ? ResourceKind.ClusterIssuer : ResourceKind.Issuer;
        var record = new EventRecord(kind, _key, State.Issuer?.Metadata.Uid, type, reason, message,
            _key.IsClusterScoped ? "cert-manager-clusterissuers" : "cert-manager-issuers");
        writer.RecordInBackground(record);
    }
}
