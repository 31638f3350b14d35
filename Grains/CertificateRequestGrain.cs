using Microsoft.Extensions.DependencyInjection;
using CertFleet.Grains.Acme;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// One CertificateRequest: approves it as cert-manager's built-in approver does when its signer is one the approver is
/// configured for, has its issuer sign it, and writes the outcome to the CertificateRequest's status. A request for an
/// external issuer (another group) is never signed here: its controller writes the status, which this grain reads.
/// </summary>
[GrainType("certificaterequest")]
public sealed class CertificateRequestGrain(
    [PersistentState("certificaterequest", "certfleet")] IPersistentState<CertificateRequestState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IOptions<IssuanceOptions> options,
    IClusterMembership membership) : Grain, ICertificateRequestGrain, IRemindable
{
    private const string Component = "cert-manager-certificaterequests-issuer";
    /// <summary>Carries the Certificate's spec.dnsPolicy (CertFleet's extension) to the Order's solver choice.</summary>
    public const string DnsPolicyAnnotation = "certfleet.io/dns-policy";
    /// <summary>Carries the ARI CertID of the certificate a renewal replaces to the Order's newOrder.</summary>
    public const string ReplacesAnnotation = "certfleet.io/replaces";
    /// <summary>"true" when the Certificate renews the identifier set it already holds (for the Order's rate-limit budgets).</summary>
    public const string RenewalAnnotation = "certfleet.io/renewal";
    private const string RecheckReminder = "recheck";
    private static readonly TimeSpan RecheckPeriod = TimeSpan.FromMinutes(1);
    private ObjectKey _key = null!;
    /// <summary>This activation registered the recheck reminder (one left from before a restart cleans itself up).</summary>
    private bool _rechecking;

    private CertificateRequestState State => store.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<RequestOutcome> SubmitAsync(CertificateRequest request, ObjectKey? certificate, IssuerSnapshot? issuer)
    {
        GrainScopeException.ThrowIf(IssuerScope.ObjectRefusal(_key, "CertificateRequest", request.Metadata)
                                    ?? (certificate is null || certificate == _key.WithName(certificate.Name) ? null
                                        : $"CertificateRequest grain \"{_key.ToGrainKey()}\" refused Certificate \"{certificate.ToGrainKey()}\": not of its cluster and namespace"));
        var changed = State.Certificate != certificate || State.Request is null;
        State.Certificate = certificate;
        if (State.Outcome is { IsFinal: true } done)
            return done;
        State.Request ??= request;
        return SignerNames.IsCertManagerIssuer(State.Request.Spec.IssuerRef) ? await ProcessAsync(issuer) : await ExternalAsync(changed);
    }

    public async Task ObserveAsync(CertificateRequest request)
    {
        GrainScopeException.ThrowIf(IssuerScope.ObjectRefusal(_key, "CertificateRequest", request.Metadata));
        if (ResourceVersions.IsAtOrBelow(request.Metadata.ResourceVersion, State.WrittenVersion))
            return; // our own status write coming back (or older): approvals and denials by others arrive above it
        if (!SignerNames.IsCertManagerIssuer(request.Spec.IssuerRef))
        {
            await ObserveExternalAsync(request);
            return;
        }
        var conditions = request.Status?.Conditions;
        var deniedByOthers = ConditionList.Find(conditions, ConditionTypes.Denied) is { Status: ConditionStatus.True } denied
            ? denied
            : null;
        var approvedByOthers = ConditionList.Find(conditions, ConditionTypes.Approved) is { Status: ConditionStatus.True };
        var ownedByCertificate = request.Metadata.OwnerReferences?.Any(o => o.Kind == Certificate.KindName) == true;

        if (State.Request is null && ownedByCertificate && deniedByOthers is null)
            return; // its Certificate submits it directly
        var fresh = State.Request is null;
        // Kept without annotations the grain never reads, so a request annotated with megabytes does not bloat the state.
        State.Request ??= request with { Metadata = request.Metadata with { Annotations = CopiedAnnotations.Select(request.Metadata.Annotations).Copied } };
        if (State.Outcome is { IsFinal: true })
            return;
        if (deniedByOthers is not null)
        {
            State.Denied = true;
            State.DenialMessage = deniedByOthers.Message;
        }
        else if (approvedByOthers && !State.Approved)
        {
            State.Approved = true;
        }
        else if (!fresh)
        {
            return; // a change by others that decides nothing new (labels, say)
        }
        var outcome = await ProcessAsync();
        if (outcome.IsFinal && State.Certificate is { } certificate)
            await GrainFactory.ByKey<ICertificateGrain>(certificate.ToGrainKey()).RequestChangedAsync(_key.Name, outcome);
    }

    /// <summary>
    /// Every change of an external issuer's request is read, whether or not its Certificate submitted it yet: the
    /// latest status is what the Certificate's next submit is answered from.
    /// </summary>
    private async Task ObserveExternalAsync(CertificateRequest request)
    {
        if (State.Outcome is { IsFinal: true })
            return;
        State.Request = request with { Metadata = request.Metadata with { Annotations = CopiedAnnotations.Select(request.Metadata.Annotations).Copied } };
        var outcome = await ExternalAsync(stateChanged: true);
        if (outcome.IsFinal && State.Certificate is { } certificate)
            await GrainFactory.ByKey<ICertificateGrain>(certificate.ToGrainKey()).RequestChangedAsync(_key.Name, outcome);
    }

    /// <summary>
    /// An external issuer's request: approved when the approver is configured for its signer (the issuer waits for
    /// that), never signed; its outcome is what the issuer's controller wrote in the status.
    /// </summary>
    /// <param name="stateChanged">The request or its Certificate was just recorded; otherwise the state is written only
    /// when the outcome moved (a waiting Certificate submits once a minute).</param>
    private async Task<RequestOutcome> ExternalAsync(bool stateChanged)
    {
        var request = State.Request!;
        var outcome = ExternalRequestOutcome.Of(request, TruncatedNow());
        var decided = ConditionList.Find(request.Status?.Conditions, ConditionTypes.Approved) is { Status: ConditionStatus.True };
        if (!outcome.IsFinal && !decided && !State.Approved && Approves(request.Spec.IssuerRef))
        {
            var written = await writer.ApproveCertificateRequestAsync(_key, Condition(ConditionTypes.Approved, ConditionStatus.True,
                CertificateRequestReasons.ApprovedByCertManager, ApprovedMessage));
            State.Approved = true; // by this write, or by someone just before it
            stateChanged = true;
            if (written is not null)
            {
                State.WrittenVersion = ResourceVersions.Latest(State.WrittenVersion, written);
                RecordEvent(EventRecord.Normal, CertificateRequestReasons.ApprovedByCertManager, ApprovedMessage);
            }
        }
        if (stateChanged || State.Outcome != outcome)
        {
            State.Outcome = outcome;
            await store.WriteStateAsync();
        }
        return outcome;
    }

    private const string ApprovedMessage = "Certificate request has been approved by cert-manager.io";

    /// <summary>Whether the built-in approver may approve requests for this issuer (cert-manager's approver RBAC on signers).</summary>
    private bool Approves(IssuerRef issuerRef) =>
        options.Value.AutoApprove && SignerNames.Approves(options.Value.ApprovedSigners(), issuerRef);

    public async Task OrderFinishedAsync(RequestOutcome outcome)
    {
        if (State.Outcome is { IsFinal: true } || State.Request is null)
            return;
        await RecordOutcomeAsync(outcome, State.Request.Status?.Conditions);
        if (State.Certificate is { } certificate)
            await GrainFactory.ByKey<ICertificateGrain>(certificate.ToGrainKey()).RequestChangedAsync(_key.Name, outcome);
    }

    /// <summary>ACME: the request becomes an Order named like cert-manager's; its outcome arrives later.</summary>
    private async Task<RequestOutcome> StartOrderAsync(CertificateRequest request, string csrPem, CsrInfo csr, AcmeIssuerContext acme,
        List<CertificateRequestCondition>? conditions)
    {
        if (AcmeOrderRefusal(csr) is { } refusal)
            return await RecordOutcomeAsync(Failed(refusal) with { Reason = CertificateRequestReasons.InvalidOrder }, conditions);
        var labels = request.Metadata.Labels ?? [];
        var work = new OrderWork
        {
            Issuer = acme,
            Request = _key,
            RequestUid = request.Metadata.Uid is { Length: > 0 } uid
                ? uid
                : throw new InvalidOperationException($"CertificateRequest {_key} was submitted without its uid; an Order cannot be owned by it"),
            CsrPem = csrPem,
            DnsNames = csr.DnsNames,
            IpAddresses = csr.IpAddresses,
            CommonName = csr.CommonName,
            Labels = labels,
            Duration = acme.Spec.EnableDurationFeature == true ? request.Spec.Duration : null,
            DnsPolicy = request.Metadata.Annotations?.GetValueOrDefault(DnsPolicyAnnotation),
            Annotations = (request.Metadata.Annotations ?? []).Where(a => SolverOverrides.Keys.Contains(a.Key)).ToDictionary(),
            Replaces = request.Metadata.Annotations?.GetValueOrDefault(ReplacesAnnotation),
            Renewal = request.Metadata.Annotations?.GetValueOrDefault(RenewalAnnotation) == "true",
        };
        var orderName = AcmeNames.OrderName(_key.Name, OrderGrain.OrderSpecOf(work));
        await GrainFactory.ByKey<IOrderGrain>(_key.WithName(orderName).ToGrainKey()).StartAsync(work);
        // Saved with the pending outcome: if that record fails, the next submit starts the same Order again, which the
        // Order's grain takes as already under way.
        State.OrderName = orderName;
        return await RecordOutcomeAsync(Pending(orderName), conditions);
    }

    /// <summary>
    /// Why a CSR cannot become an ACME order (cert-manager fails such requests as InvalidOrder before ordering), or
    /// null: the order's identifiers are the CSR's DNS names and IP addresses, and a common name must be one of them.
    /// </summary>
    private static string? AcmeOrderRefusal(CsrInfo csr)
    {
        var sans = csr.DnsNames.Concat(csr.IpAddresses).ToList();
        if (csr.CommonName is { Length: > 0 } cn && !sans.Contains(cn, StringComparer.OrdinalIgnoreCase))
            return $"spec.request: the CSR requests common name \"{cn}\", which is not among its DNS names or IP addresses; an ACME CA signs only the order's identifiers, so add the common name to the SANs";
        if (sans.Count == 0)
            return "spec.request: the CSR has no DNS names or IP addresses; an ACME order needs at least one";
        if (sans.Count > Policies.CertificateSpecValidation.MaxAcmeIdentifiers)
            return $"spec.request: the CSR names {sans.Count} DNS names and IP addresses, but an ACME order may hold at most {Policies.CertificateSpecValidation.MaxAcmeIdentifiers}; split them over several requests";
        return null;
    }

    private RequestOutcome Pending(string orderName) => new()
    {
        State = RequestState.Pending,
        Reason = CertificateRequestReasons.OrderCreated,
        Message = $"Waiting on certificate issuance from order {_key.Namespace}/{orderName}: \"pending\"",
    };

    public async Task DeletedAsync()
    {
        await StopRecheckingAsync();
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    private async Task<RequestOutcome> ProcessAsync(IssuerSnapshot? snapshot = null)
    {
        var request = State.Request!;
        var conditions = request.Status?.Conditions;
        if (State.Denied)
        {
            return await RecordOutcomeAsync(new RequestOutcome
            {
                State = RequestState.Denied, Reason = CertificateRequestReasons.Denied,
                Message = ExternalRequestOutcome.DeniedMessage(State.DenialMessage),
                FailureTime = TruncatedNow(),
            }, conditions);
        }

        if (!State.Approved)
        {
            if (!Approves(request.Spec.IssuerRef))
            {
                RecordEvent(EventRecord.Normal, EventReasons.WaitingForApproval, "Not signing CertificateRequest until it is Approved");
                return RequestOutcome.Pending(CertificateRequestReasons.Pending, "Waiting for the CertificateRequest to be approved");
            }
            State.Approved = true;
        }
        conditions = ConditionList.Set(conditions, Condition(ConditionTypes.Approved, ConditionStatus.True,
            CertificateRequestReasons.ApprovedByCertManager, ApprovedMessage));

        var spec = request.Spec;
        if (!GoDuration.TryParse(spec.Duration ?? "2160h", out var duration))
            return await RecordOutcomeAsync(Failed($"spec.duration: Invalid value: \"{spec.Duration}\": not a duration"), conditions);

        if (spec.Request is not { Length: > 0 })
            return await RecordOutcomeAsync(Failed(
                "spec.request: Required value: a PEM-encoded certificate signing request (a CertificateRequest without spec asks for nothing)"), conditions);
        var csrPem = System.Text.Encoding.UTF8.GetString(spec.Request);
        CsrInfo csr;
        try
        {
            csr = CsrBuilder.Parse(csrPem);
        }
        catch (PkiException ex)
        {
            return await RecordOutcomeAsync(Failed($"spec.request: {ex.Message}"), conditions);
        }
        // What the request asks must agree with its CSR whichever issuer signs it: said before waiting on the issuer.
        if ((UsagesMismatch(csr, spec) ?? CertificateSigner.IsCAMismatch(csr, spec.IsCA ?? false)) is { } mismatch)
            return await RecordOutcomeAsync(Failed(mismatch), conditions);

        if (State.OrderName is { } orderName)
            return Pending(orderName); // the Order reports back through OrderFinishedAsync
        var issuerRef = spec.IssuerRef;
        var issuerKey = issuerRef.Kind == "ClusterIssuer" ? new ObjectKey(_key.Cluster, "", issuerRef.Name) : _key.WithName(issuerRef.Name);
        // The Certificate's pass hands its snapshot down; a request of its own asks the issuer once.
        snapshot ??= await GrainFactory.ByKey<IIssuerGrain>(issuerKey.ToGrainKey()).GetSnapshotAsync(null);
        if (snapshot.Acme is { } acme)
        {
            await StopRecheckingAsync();
            return await StartOrderAsync(request, csrPem, csr, acme, conditions);
        }
        var privateKeySecret = request.Metadata.Annotations?.GetValueOrDefault(Annotations.PrivateKeySecretName);
        var kindName = issuerKey.IsClusterScoped ? "ClusterIssuer" : "Issuer";
        var outcome = snapshot.Readiness switch
        {
            // Ready=False Pending, with cert-manager's Event reasons.
            { Exists: false } => RequestOutcome.Pending(EventReasons.IssuerNotFound,
                $"Referenced {kindName} not found: {(issuerKey.IsClusterScoped ? "clusterissuers" : "issuers")}.cert-manager.io \"{issuerKey.Name}\" not found"),
            { Ready: false } readiness => RequestOutcome.Pending(EventReasons.IssuerNotReady,
                $"Referenced {kindName} \"{issuerKey.Name}\" is not ready: {readiness.Message}"),
            _ => await GrainFactory.ByKey<IIssuerSignerGrain>(issuerKey.ToGrainKey()).SignAsync(new SignRequest
            {
                Request = _key,
                CsrPem = csrPem,
                Duration = duration,
                IsCA = spec.IsCA ?? false,
                Usages = spec.Usages ?? [],
                PrivateKeySecret = privateKeySecret is { Length: > 0 } ? _key.WithName(privateKeySecret) : null,
            }, snapshot),
        };
        // A request of its own waiting on an issuer that is missing or not ready looks again each minute, as
        // cert-manager requeues it (a Certificate's request is submitted again by its Certificate).
        if (outcome.IsFinal)
        {
            await StopRecheckingAsync();
        }
        else if (State.Certificate is null && !_rechecking)
        {
            await this.RegisterOrUpdateReminder(RecheckReminder, RecheckPeriod, RecheckPeriod);
            _rechecking = true;
        }
        return await RecordOutcomeAsync(outcome, conditions);
    }

    public async Task DetachAsync()
    {
        await this.UnregisterReminderIfAnyAsync(RecheckReminder);
        _rechecking = false;
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (membership.HasLeft(_key.Cluster))
        {
            await DetachAsync();
            return;
        }
        if (State.Request is null || State.Outcome is { IsFinal: true } || State.OrderName is not null)
        {
            await this.UnregisterReminderIfAnyAsync(RecheckReminder);
            _rechecking = false;
            return;
        }
        _rechecking = true;
        var outcome = await ProcessAsync();
        if (outcome.IsFinal && State.Certificate is { } certificate)
            await GrainFactory.ByKey<ICertificateGrain>(certificate.ToGrainKey()).RequestChangedAsync(_key.Name, outcome);
    }

    private async Task StopRecheckingAsync()
    {
        if (!_rechecking)
            return;
        await this.UnregisterReminderIfAnyAsync(RecheckReminder);
        _rechecking = false;
    }

    /// <summary>
    /// cert-manager's webhook refuses a request whose CSR encodes usages other than spec.usages (when both name
    /// some); without a webhook the request fails with the same words.
    /// </summary>
    private static string? UsagesMismatch(CsrInfo csr, CertificateRequestSpec spec)
    {
        if (spec.Usages is not { Count: > 0 } usages || csr.RequestedUsages is not { Count: > 0 } encoded)
            return null;
        try
        {
            return CertificateUsages.Same(encoded, usages, spec.IsCA ?? false, "spec.usages")
                ? null
                : $"spec.request: csr key usages do not match specified usages, these should match if both are set: [{string.Join(", ", encoded)}] in the CSR, [{string.Join(", ", usages)}] in spec.usages";
        }
        catch (PkiException ex)
        {
            return ex.Message;
        }
    }

    private async Task<RequestOutcome> RecordOutcomeAsync(RequestOutcome outcome, List<CertificateRequestCondition>? conditions)
    {
        var ready = outcome.State switch
        {
            RequestState.Issued => Condition(ConditionTypes.Ready, ConditionStatus.True, CertificateRequestReasons.Issued, "Certificate fetched from issuer successfully"),
            RequestState.Denied => Condition(ConditionTypes.Ready, ConditionStatus.False, CertificateRequestReasons.Denied, outcome.Message),
            RequestState.Failed => Condition(ConditionTypes.Ready, ConditionStatus.False, CertificateRequestReasons.Failed, outcome.Message),
            _ => Condition(ConditionTypes.Ready, ConditionStatus.False, CertificateRequestReasons.Pending, outcome.Message),
        };
        conditions = ConditionList.Set(conditions, ready);
        if (outcome.State == RequestState.Denied)
            conditions = ConditionList.Set(conditions, Condition(ConditionTypes.Denied, ConditionStatus.True,
                CertificateRequestReasons.Denied, State.DenialMessage ?? outcome.Message));
        string written;
        try
        {
            written = await writer.WriteStatusAsync(ResourceKind.CertificateRequest, _key, new CertificateRequestStatus
            {
                Conditions = conditions,
                Certificate = outcome.ChainPem is { } chain ? System.Text.Encoding.UTF8.GetBytes(chain) : null,
                CA = outcome.CaPem is { } ca ? System.Text.Encoding.UTF8.GetBytes(ca) : null,
                FailureTime = outcome.IsFinal && outcome.State != RequestState.Issued ? outcome.FailureTime ?? TruncatedNow() : null,
            });
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            // Deleted without this grain hearing of it (while no silo watched, say): forgotten as a delivered deletion
            // would be, so no recheck keeps it alive; the caller still sees the failure.
            await DeletedAsync();
            throw;
        }
        switch (outcome.State)
        {
            case RequestState.Issued:
                RecordEvent(EventRecord.Normal, EventReasons.CertificateIssued, "Certificate fetched from issuer successfully");
                break;
            case RequestState.Failed or RequestState.Denied:
                RecordEvent(EventRecord.Warning, outcome.Reason, outcome.Message);
                break;
            default:
                RecordEvent(EventRecord.Normal, outcome.Reason, outcome.Message);
                break;
        }
        State.WrittenVersion = ResourceVersions.Latest(State.WrittenVersion, written);
        State.Request = State.Request! with { Status = new CertificateRequestStatus { Conditions = conditions } };
        State.Outcome = outcome;
        await store.WriteStateAsync();
        return outcome;
    }

    private RequestOutcome Failed(string message) => new()
    {
        State = RequestState.Failed, Reason = CertificateRequestReasons.Failed, Message = message, FailureTime = TruncatedNow(),
    };

    private CertificateRequestCondition Condition(string type, string status, string reason, string message) => new()
    {
        Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = TruncatedNow(),
    };

    private void RecordEvent(string type, string reason, string message)
    {
        var record = new EventRecord(ResourceKind.CertificateRequest, _key, State.Request?.Metadata.Uid, type, reason, message, Component);
        writer.RecordInBackground(record);
    }

    private DateTimeOffset TruncatedNow() => clock.UtcNowInWholeSeconds();
}
