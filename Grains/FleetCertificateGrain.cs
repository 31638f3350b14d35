using CertFleet.Grains.Fleet;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// Issues a FleetCertificate once and keeps its copies. The issuance is an ordinary Certificate in the home cluster's
/// controller namespace (labelled and owned by the FleetCertificate), which runs the whole Certificate lifecycle; this
/// grain copies the Secret it produces, read from the home cluster at copy time, into every placed member and
/// namespace. A pass (idempotent, on a one-shot timer) applies the home Certificate, computes the placements from the
/// members known now, writes, restores or leaves each copy, deletes copies no longer placed (only those it wrote), and
/// writes status. Failed copies retry with backoff; a reminder re-checks everything periodically.
/// </summary>
[GrainType("fleetcertificate")]
public sealed class FleetCertificateGrain(
    [PersistentState("fleetcertificate", "certfleet")] IPersistentState<FleetCertificateState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    IClusterReader reader,
    IFleetMembers members,
    IOptions<IssuanceOptions> options,
    ILogger<FleetCertificateGrain> logger) : Grain, IFleetCertificateGrain, IRemindable
{
    private const string ReminderName = "recheck";
    /// <summary>Copies are re-checked this often even when no watch event arrives (a lost event, a member back online).</summary>
    private static readonly TimeSpan RecheckPeriod = TimeSpan.FromMinutes(10);
    /// <summary>After a failed copy or API error: 1, 2, 4 … s, then every 5 minutes.</summary>
    private static readonly ExponentialBackoff RetryBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
    private const string EventComponent = "certfleet-fleetcertificates";

    private StepTimer? _pass;
    private int _retryAttempt;

    private FleetCertificateState State => store.State;
    private string Name => this.GetPrimaryKeyString();

    /// <summary>The home Certificate and its Secret share this name, in the controller's namespace.</summary>
    public static string HomeName(string fleetName) => $"fleet-{fleetName}";

    public Task<IReadOnlyList<FleetPlacement>> GetPlacementsAsync() =>
        Task.FromResult(State.Object is { } fleet && FleetSpecValidation.Validate(fleet).Count == 0
            ? FleetPlacementMatch.Placements(fleet.Spec.Placement, members.Current)
            : (IReadOnlyList<FleetPlacement>)[]);

    public async Task SyncAsync(FleetCertificate fleetCertificate)
    {
        if (fleetCertificate.Metadata.Name != Name)
            throw new GrainScopeException($"FleetCertificate grain \"{Name}\" refused FleetCertificate \"{fleetCertificate.Metadata.Name}\": a grain only takes the object its key names");
        var previous = State.Object;
        if (previous is not null && previous.Metadata.Uid != fleetCertificate.Metadata.Uid)
        {
            // Same name, new object: copies written for the old one are still recorded, so they are checked and kept
            // or removed by the first pass; everything else starts afresh.
            store.State = new FleetCertificateState { Copies = State.Copies };
            previous = null;
        }
        var specChanged = previous is null || previous.Metadata.Generation != fleetCertificate.Metadata.Generation;
        var statusChangedByOthers = fleetCertificate.Status is not null
                                    && !ResourceVersions.IsAtOrBelow(fleetCertificate.Metadata.ResourceVersion, State.StatusResourceVersion);
        State.Object = fleetCertificate with
        {
            Metadata = new ObjectMeta
            {
                Name = fleetCertificate.Metadata.Name,
                Uid = fleetCertificate.Metadata.Uid,
                Generation = fleetCertificate.Metadata.Generation,
                ResourceVersion = fleetCertificate.Metadata.ResourceVersion,
            },
            Status = null,
        };
        if (statusChangedByOthers)
            State.WrittenStatus = null;
        if (specChanged)
        {
            await store.WriteStateAsync();
            await this.RegisterOrUpdateReminder(ReminderName, RecheckPeriod, RecheckPeriod);
        }
        if (specChanged || statusChangedByOthers)
            SchedulePass();
    }

    public async Task DeletedAsync(string uid)
    {
        if (State.Object is null || (uid.Length > 0 && State.Object.Metadata.Uid != uid))
            return;
        _pass?.Cancel();
        var connected = members.Current.Select(member => member.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var copy in State.Copies.Values.Where(copy => copy.Written && connected.Contains(copy.Cluster)).ToList())
        {
            try
            {
                await RemoveCopyAsync(copy);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                logger.LogWarning(ex, "FleetCertificate {Name}: copy {Copy} not removed after the FleetCertificate was deleted", Name, copy.Id);
            }
        }
        if (State.HomeCertificateOwned && members.Current.FirstOrDefault(member => member.IsHome) is { } home)
        {
            // Garbage collection removes the Certificate through its ownerReference; its Secret has no owner.
            var homeKey = new ObjectKey(home.Name, options.Value.ClusterResourceNamespace, HomeName(Name));
            try
            {
                await writer.DeleteAsync(ResourceKind.Certificate, homeKey);
                if (await reader.GetSecretAsync(homeKey) is { } secret
                    && secret.Annotations.GetValueOrDefault(Annotations.CertificateName) == homeKey.Name)
                    await writer.DeleteAsync(ResourceKind.Secret, homeKey);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                logger.LogWarning(ex, "FleetCertificate {Name}: home Certificate {Certificate} not removed", Name, homeKey);
            }
        }
        await this.UnregisterReminderIfAnyAsync(ReminderName);
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task HomeCertificateChangedAsync(ObjectKey certificate)
    {
        if (certificate.Name == HomeName(Name) && certificate.Namespace == options.Value.ClusterResourceNamespace)
            SchedulePass();
        return Task.CompletedTask;
    }

    public Task CopyChangedAsync(ObjectKey key, SecretMetadata? copy)
    {
        // Our own writes come back through the watch; only someone else's edit, or a deletion, needs a pass.
        var known = State.Copies.GetValueOrDefault(FleetCopyState.IdOf(key.Cluster, key.Namespace, key.Name));
        if (copy is null || known is null || !ResourceVersions.IsAtOrBelow(copy.ResourceVersion, known.ResourceVersion))
            SchedulePass();
        return Task.CompletedTask;
    }

    public Task MembersChangedAsync()
    {
        SchedulePass();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (State.Object is null)
            return this.UnregisterReminderIfAnyAsync(ReminderName);
        return RunPassAsync();
    }

    private void SchedulePass(TimeSpan? delay = null) =>
        (_pass ??= new StepTimer(this, RunPassAsync)).Schedule(delay ?? TimeSpan.Zero);

    private async Task RunPassAsync()
    {
        if (State.Object is not { } fleet)
            return;
        bool retry;
        try
        {
            retry = await PassAsync(fleet);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            logger.LogWarning(ex, "FleetCertificate {Name}: pass failed", Name);
            await TryWriteStatusAsync(fleet, Ready(ConditionStatus.False, CertFleetReasons.ApiError, ex.Message));
            retry = true;
        }
        if (retry)
        {
            var delay = RetryBackoff.Delay(++_retryAttempt);
            logger.LogInformation("FleetCertificate {Name}: not every copy is current; next pass in {Delay}", Name, delay);
            SchedulePass(delay);
        }
        else
        {
            _retryAttempt = 0;
        }
    }

    /// <summary>One pass; true when something failed that a retry may fix.</summary>
    private async Task<bool> PassAsync(FleetCertificate fleet)
    {
        var invalid = FleetSpecValidation.Validate(fleet);
        if (invalid.Count > 0)
        {
            var message = $"The FleetCertificate spec is invalid: {Policies.CertificateSpecValidation.Describe(invalid)}";
            if (State.ReportedInvalidGeneration != fleet.Metadata.Generation)
            {
                State.ReportedInvalidGeneration = fleet.Metadata.Generation;
                await store.WriteStateAsync();
                RecordEvent(EventRecord.Warning, EventReasons.BadConfig, message);
            }
            await WriteStatusAsync(fleet, Ready(ConditionStatus.False, CertFleetReasons.InvalidSpec, message), null);
            return false;
        }

        var current = members.Current;
        var home = current.FirstOrDefault(member => member.IsHome)
                   ?? throw new InvalidOperationException("the home cluster is not among the fleet's members");
        var homeKey = new ObjectKey(home.Name, options.Value.ClusterResourceNamespace, HomeName(Name));
        var certificate = await writer.ApplyOwnedCertificateAsync(homeKey, HomeCertificate(fleet, homeKey), FleetNames.FleetCertificateLabel);
        if (State.HomeCertificateOwned != certificate is not null)
        {
            State.HomeCertificateOwned = certificate is not null;
            await store.WriteStateAsync();
        }
        if (certificate is null)
        {
            await WriteStatusAsync(fleet, Ready(ConditionStatus.False, CertFleetReasons.CertificateInUse,
                $"Certificate {homeKey} in the home cluster \"{home.Name}\" exists and was not made for this FleetCertificate " +
                $"(no label {FleetNames.FleetCertificateLabel}={Name}); it is left alone: delete or rename it"), homeKey);
            return false;
        }

        var placements = FleetPlacementMatch.Placements(fleet.Spec.Placement, current);
        var secretName = fleet.Spec.Certificate.SecretName;
        var placedIds = placements.Select(p => FleetCopyState.IdOf(p.Cluster, p.Namespace, secretName)).ToHashSet(StringComparer.Ordinal);
        var connected = current.Select(member => member.Name).ToHashSet(StringComparer.Ordinal);

        // Copies no longer placed (a member relabelled, a namespace or secretName changed): removed if CertFleet wrote them.
        var failed = false;
        foreach (var stale in State.Copies.Values.Where(copy => !placedIds.Contains(copy.Id)).ToList())
        {
            if (!connected.Contains(stale.Cluster) || !stale.Written)
            {
                // A member that left is not written to any more; a copy never written is only a record.
                State.Copies.Remove(stale.Id);
                continue;
            }
            try
            {
                await RemoveCopyAsync(stale);
                State.Copies.Remove(stale.Id);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                stale.Error = $"removing the copy (no longer placed) failed: {ex.Message}";
                failed = true;
            }
        }

        var homeSecret = await reader.GetSecretAsync(homeKey);
        var revision = certificate.Status?.Revision;
        if (!FleetCopies.IsIssued(homeSecret))
        {
            foreach (var placement in placements)
                Record(placement, secretName);
            await store.WriteStateAsync();
            var ready = ConditionList.Find(certificate.Status?.Conditions, ConditionTypes.Ready);
            await WriteStatusAsync(fleet, Ready(ConditionStatus.False, CertFleetReasons.WaitingForIssuance,
                $"Waiting for Certificate {homeKey} in the home cluster to be issued" +
                (ready?.Message is { Length: > 0 } why ? $": {why}" : "")), homeKey, revision, placements);
            return failed;
        }

        var fingerprint = FleetCopies.Fingerprint(homeSecret!);
        var results = await Task.WhenAll(placements.Select(placement => CopyAsync(placement, secretName, homeSecret!, fingerprint, revision)));
        failed |= results.Any(ok => !ok);
        await store.WriteStateAsync();

        var notCurrent = placements.Select(p => State.Copies[FleetCopyState.IdOf(p.Cluster, p.Namespace, secretName)])
            .Where(copy => copy.Error is not null || copy.Fingerprint != fingerprint).ToList();
        var homeReady = ConditionList.Find(certificate.Status?.Conditions, ConditionTypes.Ready);
        var condition = notCurrent.Count > 0
            ? Ready(ConditionStatus.False, CertFleetReasons.CopiesNotCurrent,
                $"{notCurrent.Count} of {placements.Count} copies are not current: " +
                string.Join("; ", notCurrent.Take(5).Select(copy => $"{copy.Cluster}/{copy.Namespace}: {copy.Error ?? "not written yet"}")))
            : homeReady is { Status: ConditionStatus.True }
                ? Ready(ConditionStatus.True, CertFleetReasons.CopiesCurrent,
                    $"Certificate is up to date and has not expired; {placements.Count} copies hold it")
                : Ready(ConditionStatus.False, homeReady?.Reason ?? CertFleetReasons.WaitingForIssuance,
                    $"Every copy holds the certificate in Secret {homeKey}, but Certificate {homeKey} is not Ready: {homeReady?.Message}");
        await WriteStatusAsync(fleet, condition, homeKey, revision, placements, fingerprint);
        return failed;
    }

    /// <summary>Brings one copy up to date; false when it failed (and should be retried).</summary>
    private async Task<bool> CopyAsync(FleetPlacement placement, string secretName, SecretData homeSecret, string fingerprint, int? revision)
    {
        var copy = Record(placement, secretName);
        var key = new ObjectKey(placement.Cluster, placement.Namespace, secretName);
        try
        {
            var desired = FleetCopies.Build(homeSecret, key, Name);
            var decision = FleetCopies.Decide(await reader.GetSecretAsync(key), desired, Name);
            switch (decision.Action)
            {
                case FleetCopyAction.Refuse:
                    copy.Error = decision.Refusal;
                    return true; // someone else's Secret: a retry cannot help, its owner can
                case FleetCopyAction.Write:
                    var firstWrite = !copy.Written;
                    copy.ResourceVersion = await writer.ApplySecretAsync(desired, decision.RemoveKeys);
                    copy.Written = true;
                    copy.LastWriteTime = clock.GetUtcNow();
                    if (firstWrite)
                        await GrainFactory.ByKey<ISecretClaimGrain>(key.ToGrainKey()).SubscribeFleetCertificateAsync(Name);
                    break;
                case FleetCopyAction.Current:
                    break;
            }
            copy.Fingerprint = fingerprint;
            if (copy.Revision != revision || decision.Action == FleetCopyAction.Write)
                copy.Revision = revision;
            copy.Error = null;
            return true;
        }
        catch (Exception ex) when (IsTransient(ex) || ex is ArgumentException)
        {
            // An unreachable member, a missing namespace, a member that just left: this copy waits, the others proceed.
            copy.Error = ex.Message;
            logger.LogWarning("FleetCertificate {Name}: copy in cluster {Cluster} namespace {Namespace} failed: {Error}",
                Name, placement.Cluster, placement.Namespace, ex.Message);
            return false;
        }
    }

    private FleetCopyState Record(FleetPlacement placement, string secretName)
    {
        var id = FleetCopyState.IdOf(placement.Cluster, placement.Namespace, secretName);
        if (!State.Copies.TryGetValue(id, out var copy))
            State.Copies[id] = copy = new FleetCopyState { Cluster = placement.Cluster, Namespace = placement.Namespace, SecretName = secretName };
        return copy;
    }

    private async Task RemoveCopyAsync(FleetCopyState copy)
    {
        var key = new ObjectKey(copy.Cluster, copy.Namespace, copy.SecretName);
        if (FleetCopies.MayDelete(await reader.GetSecretAsync(key), Name))
            await writer.DeleteAsync(ResourceKind.Secret, key);
        await GrainFactory.ByKey<ISecretClaimGrain>(key.ToGrainKey()).UnsubscribeFleetCertificateAsync(Name);
    }

    private static Certificate HomeCertificate(FleetCertificate fleet, ObjectKey homeKey) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = homeKey.Name,
            Namespace = homeKey.Namespace,
            Labels = new Dictionary<string, string> { [FleetNames.FleetCertificateLabel] = fleet.Metadata.Name! },
            OwnerReferences =
            [
                new OwnerReference
                {
                    ApiVersion = FleetCertificate.GroupVersion,
                    Kind = FleetCertificate.KindName,
                    Name = fleet.Metadata.Name!,
                    Uid = fleet.Metadata.Uid ?? "",
                    Controller = true,
                    BlockOwnerDeletion = true,
                },
            ],
        },
        Spec = fleet.Spec.Certificate with { SecretName = homeKey.Name },
    };

    private Condition Ready(string status, string reason, string message) => new()
    {
        Type = ConditionTypes.Ready,
        Status = status,
        Reason = reason,
        Message = message,
        ObservedGeneration = State.Object?.Metadata.Generation,
    };

    private async Task WriteStatusAsync(FleetCertificate fleet, Condition ready, ObjectKey? homeKey, int? revision = null,
        IReadOnlyList<FleetPlacement>? placements = null, string? fingerprint = null)
    {
        var secretName = fleet.Spec.Certificate.SecretName;
        var copies = (placements ?? [])
            .Select(p => State.Copies.GetValueOrDefault(FleetCopyState.IdOf(p.Cluster, p.Namespace, secretName)))
            .OfType<FleetCopyState>()
            // Copies being removed stay listed (with their error) until they are gone.
            .Concat(State.Copies.Values.Where(copy => copy.Error is not null
                && !(placements ?? []).Any(p => FleetCopyState.IdOf(p.Cluster, p.Namespace, secretName) == copy.Id)))
            .Select(copy => new FleetCertificateCopy
            {
                Cluster = copy.Cluster,
                Namespace = copy.Namespace,
                Revision = copy.Revision,
                LastWriteTime = copy.LastWriteTime is { } at ? at.ToWholeSeconds() : null,
                Error = copy.Error,
            })
            .ToList();
        var currentCount = (placements ?? [])
            .Select(p => State.Copies.GetValueOrDefault(FleetCopyState.IdOf(p.Cluster, p.Namespace, secretName)))
            .Count(copy => copy is { Error: null } && fingerprint is not null && copy.Fingerprint == fingerprint);
        var previousReady = ConditionList.Find(State.WrittenStatus?.Conditions, ConditionTypes.Ready);
        ready = ready with
        {
            LastTransitionTime = previousReady is not null && previousReady.Status == ready.Status
                ? previousReady.LastTransitionTime
                : clock.UtcNowInWholeSeconds(),
        };
        var status = new FleetCertificateStatus
        {
            Conditions = [ready],
            Certificate = homeKey is null ? null : new FleetHomeCertificate { Namespace = homeKey.Namespace, Name = homeKey.Name },
            Revision = revision,
            CopiesCurrent = placements is null ? null : $"{currentCount}/{placements.Count}",
            Copies = copies.Count > 0 ? copies : null,
        };
        if (State.WrittenStatus is not null && SameStatus(State.WrittenStatus, status))
            return;
        try
        {
            State.StatusResourceVersion = await writer.WriteStatusAsync(ResourceKind.FleetCertificate, new ObjectKey(HomeCluster(), "", Name), status);
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            // Deleted without this grain hearing of it: forget it as a delivered deletion would.
            await DeletedAsync("");
            return;
        }
        State.WrittenStatus = status;
        await store.WriteStateAsync();
        // An invalid spec has its own BadConfig Event; other changes of the Ready reason are told once each.
        if ((ready.Status != previousReady?.Status || ready.Reason != previousReady?.Reason) && ready.Reason != CertFleetReasons.InvalidSpec)
            RecordEvent(ready.Status == ConditionStatus.True || ready.Reason == CertFleetReasons.WaitingForIssuance ? EventRecord.Normal : EventRecord.Warning,
                ready.Reason!, ready.Message!);
    }

    private async Task TryWriteStatusAsync(FleetCertificate fleet, Condition ready)
    {
        try
        {
            await WriteStatusAsync(fleet, ready, State.WrittenStatus?.Certificate is { } home
                ? new ObjectKey(HomeCluster(), home.Namespace, home.Name) : null, State.WrittenStatus?.Revision);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            logger.LogDebug(ex, "FleetCertificate {Name}: status not written", Name);
        }
    }

    private static bool SameStatus(FleetCertificateStatus a, FleetCertificateStatus b) =>
        a.Revision == b.Revision && a.CopiesCurrent == b.CopiesCurrent && a.Certificate == b.Certificate
        && (a.Conditions ?? []).SequenceEqual(b.Conditions ?? [])
        && (a.Copies ?? []).SequenceEqual(b.Copies ?? []);

    private string HomeCluster() => members.Current.First(member => member.IsHome).Name;

    private void RecordEvent(string type, string reason, string message) =>
        writer.RecordInBackground(new EventRecord(ResourceKind.FleetCertificate, new ObjectKey(HomeCluster(), "", Name),
            State.Object?.Metadata.Uid, type, reason, message, EventComponent));

    private static bool IsTransient(Exception ex) => ex is ClusterWriteException or TimeoutException or OrleansException;
}
