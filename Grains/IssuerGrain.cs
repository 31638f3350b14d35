using Microsoft.Extensions.DependencyInjection;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// One Issuer or ClusterIssuer: checks its configuration (for CA issuers, the key pair in its Secret), reports the
/// Ready condition cert-manager reports, wakes waiting Certificates once it is ready, and signs CertificateRequests.
/// The CA key pair is held in memory only, reloaded when its Secret changes.
/// </summary>
[GrainType("issuer")]
public sealed class IssuerGrain(
    [PersistentState("issuer", "certfleet")] IPersistentState<IssuerState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IClusterReader reader,
    IOptions<IssuanceOptions> options,
    ILogger<IssuerGrain> logger) : Grain, IIssuerGrain, IRemindable
{
    private const string RecheckReminder = "recheck";
    /// <summary>A not-ready issuer looks again after 1 minute, then 2, 4, 8 and every 10 (memory only: a restart begins again).</summary>
    private static readonly TimeSpan FirstRecheck = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxRecheck = TimeSpan.FromMinutes(10);

    private ObjectKey _key = null!;
    private CaKeyPair? _caKeyPair;
    private DateTimeOffset _caKeyPairLoadedAt;
    private TimeSpan _recheckDelay;

    private IssuerState State => store.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task SyncAsync(IssuerObject issuer)
    {
        var previous = State.Issuer;
        State.Issuer = issuer;
        var changed = previous is null || previous.Metadata.Uid != issuer.Metadata.Uid
                      || previous.Metadata.Generation != issuer.Metadata.Generation || State.Readiness is null;
        if (!changed)
            return; // our own status write coming back
        _caKeyPair = null;
        _recheckDelay = TimeSpan.Zero;
        await CheckAsync();
    }

    public async Task DeletedAsync()
    {
        await this.UnregisterReminderIfAnyAsync(RecheckReminder);
        var waiters = State.Waiters;
        await store.ClearStateAsync();
        _caKeyPair = null;
        await WakeAsync(waiters);
    }

    public async Task<IssuerReadiness> GetReadinessAsync(ObjectKey? waiter)
    {
        var readiness = State.Issuer is null ? NotFound() : State.Readiness ?? await CheckAsync();
        if (!readiness.Ready && waiter is not null && State.Waiters.Add(waiter))
            await store.WriteStateAsync();
        return readiness;
    }

    public async Task<IssuerSnapshot> GetSnapshotAsync(ObjectKey? waiter)
    {
        var readiness = await GetReadinessAsync(waiter);
        return new IssuerSnapshot(readiness, await GetAcmeContextAsync());
    }

    public async Task<RequestOutcome> SignAsync(SignRequest request)
    {
        if (State.Issuer is not { } issuer)
            return RequestOutcome.Pending(CertificateRequestReasons.Pending, $"Referenced {KindName} not found: {Plural}.cert-manager.io \"{_key.Name}\" not found");
        var readiness = State.Readiness ?? await CheckAsync();
        if (!readiness.Ready)
            return RequestOutcome.Pending(CertificateRequestReasons.Pending, $"Referenced {KindName} \"{_key.Name}\" is not ready: {readiness.Message}");
        try
        {
            var csr = CsrBuilder.Parse(request.CsrPem);
            var signing = new SigningRequest(csr, request.Duration, request.IsCA, request.Usages);
            var issued = issuer.Spec switch
            {
                { SelfSigned: not null } => await SignSelfAsync(signing, request),
                { CA: not null } => CertificateSigner.SignWithCa(signing, await CaKeyPairAsync(), clock.GetUtcNow()),
                _ => null,
            };
            if (issued is null)
                return Failed($"{KindName} \"{_key.Name}\" has no signer for its configuration");
            return new RequestOutcome { State = RequestState.Issued, ChainPem = issued.ChainPem, CaPem = issued.CaPem };
        }
        catch (PkiException ex)
        {
            return Failed(ex.Message);
        }
    }

    public Task<AcmeIssuerContext?> GetAcmeContextAsync()
    {
        if (State.Issuer is not { Spec.Acme: { } acme } issuer || State.Readiness?.Ready != true || State.AcmeAccount?.AccountUrl is not { } accountUrl)
            return Task.FromResult<AcmeIssuerContext?>(null);
        var secretNamespace = issuer.IsClusterIssuer ? options.Value.ClusterResourceNamespace : _key.Namespace;
        return Task.FromResult<AcmeIssuerContext?>(new AcmeIssuerContext
        {
            Issuer = _key,
            IssuerKind = KindName,
            Spec = acme,
            AccountUrl = accountUrl,
            AccountKeySecret = new ObjectKey(_key.Cluster, secretNamespace, acme.PrivateKeySecretRef.Name),
        });
    }

    public async Task SecretChangedAsync()
    {
        _caKeyPair = null;
        _recheckDelay = TimeSpan.Zero;
        if (State.Issuer is not null)
            await CheckAsync();
    }

    public async Task ReconcileAsync()
    {
        if (State.Issuer is not null)
            await CheckAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => ReconcileAsync();

    private async Task<IssuedCertificate> SignSelfAsync(SigningRequest signing, SignRequest request)
    {
        if (request.PrivateKeySecret is not { } keySecret)
            throw new PkiException($"CertificateRequest has no {Annotations.PrivateKeySecretName} annotation; a SelfSigned issuer needs the request's private key");
        var secret = await reader.GetSecretAsync(keySecret)
                     ?? throw new PkiException($"Secret \"{keySecret.Name}\" holding the request's private key was not found");
        using var key = PrivateKey.FromPem(secret.GetString(SecretKeys.TlsPrivateKey)
                                           ?? throw new PkiException($"Secret \"{keySecret.Name}\" has no {SecretKeys.TlsPrivateKey}"));
        return CertificateSigner.SelfSign(signing, key, clock.GetUtcNow());
    }

    private async Task<CaKeyPair> CaKeyPairAsync()
    {
        if (_caKeyPair is null || clock.GetUtcNow() - _caKeyPairLoadedAt > options.Value.CaKeyPairCacheTime)
        {
            var (_, keyPair, error) = await LoadCaAsync(State.Issuer!.Spec.CA!);
            _caKeyPair = keyPair ?? throw new PkiException(error!);
            _caKeyPairLoadedAt = clock.GetUtcNow();
        }
        return _caKeyPair;
    }

    /// <summary>Decides readiness from the configuration, writes it to status, and wakes waiters once ready.</summary>
    private async Task<IssuerReadiness> CheckAsync()
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
            var (secretKey, keyPair, error) = await LoadCaAsync(ca);
            await SubscribeAsync(secretKey);
            if (keyPair is not null)
            {
                _caKeyPair = keyPair;
                _caKeyPairLoadedAt = clock.GetUtcNow();
                readiness = new IssuerReadiness(true, true, IssuerReasons.KeyPairVerified, "Signing CA verified", "CA");
            }
            else
            {
                readiness = NotReady(error!.Contains("not found") ? IssuerReasons.ErrGetKeyPair : IssuerReasons.ErrInvalidKeyPair, error, "CA");
                retry = true; // the Secret may appear or be fixed without this grain hearing of it
            }
        }
        else if (spec.Acme is { } acme)
        {
            var secretNamespace = issuer.IsClusterIssuer ? options.Value.ClusterResourceNamespace : _key.Namespace;
            var registration = await GrainFactory.GetGrain<IAcmeAccountGrain>(_key.ToGrainKey()).RegisterAsync(acme, secretNamespace);
            State.AcmeAccount = registration.Registered ? registration : null;
            readiness = registration.Registered
                ? new IssuerReadiness(true, true, registration.Reason, registration.Message, "ACME")
                : NotReady(registration.Reason, registration.Message, "ACME");
            retry = !registration.Registered; // the CA may be down for a while
        }
        else
        {
            var type = spec.Vault is not null ? "Vault" : "Venafi";
            readiness = NotReady(IssuerReasons.ErrInitIssuer, $"{type} issuers are not supported by this CertFleet version; use a CA or SelfSigned issuer", type);
        }

        var previous = State.Readiness;
        var wasReady = previous?.Ready == true;
        State.Readiness = readiness;
        await store.WriteStateAsync();
        await WriteStatusAsync(readiness);
        if (!readiness.Ready && (wasReady || issuer.Status is null))
            RecordEvent(EventRecord.Warning, readiness.Reason, readiness.Message);
        await UpdateRecheckAsync(retry);
        if (readiness.Ready && State.Waiters.Count > 0)
        {
            var waiters = State.Waiters;
            State.Waiters = [];
            await store.WriteStateAsync();
            await WakeAsync(waiters);
        }
        else if (State.Waiters.Count > 0 && (previous is null || previous.Reason != readiness.Reason || previous.Message != readiness.Message))
        {
            // Still not ready, but for another reason (or it just appeared): waiters show a stale reason until told.
            await WakeAsync([.. State.Waiters]);
        }
        return readiness;
    }

    private async Task<(ObjectKey Secret, CaKeyPair? KeyPair, string? Error)> LoadCaAsync(CaIssuer ca)
    {
        var secretNamespace = State.Issuer!.IsClusterIssuer ? options.Value.ClusterResourceNamespace : _key.Namespace;
        var secretKey = new ObjectKey(_key.Cluster, secretNamespace, ca.SecretName);
        var secret = await reader.GetSecretAsync(secretKey);
        if (secret is null)
            return (secretKey, null, $"Error getting keypair for CA issuer: secrets \"{ca.SecretName}\" not found in namespace \"{secretNamespace}\"");
        try
        {
            var keyPair = CaKeyPair.FromPem(secret.GetString(SecretKeys.TlsCertificate) ?? "", secret.GetString(SecretKeys.TlsPrivateKey) ?? "",
                secret.GetString(SecretKeys.CaCertificate), clock.GetUtcNow());
            return (secretKey, keyPair, null);
        }
        catch (PkiException ex)
        {
            return (secretKey, null, $"Error getting keypair for CA issuer: {ex.Message}");
        }
    }

    private async Task SubscribeAsync(ObjectKey secretKey)
    {
        if (State.SubscribedSecret == secretKey) return;
        await GrainFactory.GetGrain<ISecretClaimGrain>(secretKey.ToGrainKey()).SubscribeAsync(_key);
        State.SubscribedSecret = secretKey;
    }

    private async Task UpdateRecheckAsync(bool retry)
    {
        if (!retry)
        {
            _recheckDelay = TimeSpan.Zero;
            await this.UnregisterReminderIfAnyAsync(RecheckReminder);
            return;
        }
        // Backing off: a Secret that stays broken or a CA that stays down is not asked every minute for ever.
        var next = _recheckDelay == TimeSpan.Zero ? FirstRecheck : TimeSpan.FromTicks(Math.Min(_recheckDelay.Ticks * 2, MaxRecheck.Ticks));
        if (next == _recheckDelay)
            return;
        await this.RegisterOrUpdateReminder(RecheckReminder, next, next);
        _recheckDelay = next;
    }

    private async Task WriteStatusAsync(IssuerReadiness readiness)
    {
        var issuer = State.Issuer!;
        var current = ConditionList.Find(issuer.Status?.Conditions, ConditionTypes.Ready);
        var status = readiness.Ready ? ConditionStatus.True : ConditionStatus.False;
        if (current is not null && current.Status == status && current.Reason == readiness.Reason && current.Message == StatusText.Truncate(readiness.Message)
            && current.ObservedGeneration == issuer.Metadata.Generation && issuer.Status?.Acme?.Uri == State.AcmeAccount?.AccountUrl)
            return;
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
            await writer.WriteStatusAsync(issuer.IsClusterIssuer ? ResourceKind.ClusterIssuer : ResourceKind.Issuer, _key, newStatus);
            State.Issuer = issuer with { Status = newStatus };
        }
        catch (ClusterWriteException ex)
        {
            logger.LogWarning(ex, "{Kind} {Name}: status not written", KindName, _key);
        }
    }

    private async Task WakeAsync(IEnumerable<ObjectKey> waiters) =>
        await Task.WhenAll(waiters.Select(w => GrainFactory.GetGrain<ICertificateGrain>(w.ToGrainKey()).WakeAsync()));

    private string KindName => _key.IsClusterScoped ? "ClusterIssuer" : "Issuer";
    private string Plural => _key.IsClusterScoped ? "clusterissuers" : "issuers";

    private IssuerReadiness NotFound() => new(false, false, EventReasons.IssuerNotFound, $"{KindName} \"{_key.Name}\" not found", "");

    private static IssuerReadiness NotReady(string reason, string message, string type) => new(true, false, reason, message, type);

    private static RequestOutcome Failed(string message) => new()
    {
        State = RequestState.Failed, Reason = CertificateRequestReasons.Failed, Message = message,
    };

    private void RecordEvent(string type, string reason, string message)
    {
        var kind = State.Issuer?.IsClusterIssuer == true ? ResourceKind.ClusterIssuer : ResourceKind.Issuer;
        var record = new EventRecord(kind, _key, State.Issuer?.Metadata.Uid, type, reason, message,
            _key.IsClusterScoped ? "cert-manager-clusterissuers" : "cert-manager-issuers");
        writer.RecordInBackground(record);
    }
}
