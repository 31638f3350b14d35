using CertFleet.Grains.Issuance;
using CertFleet.Grains.Acme;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Dns01;
using CertFleet.Providers.Http01;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains;

/// <summary>
/// Takes one ACME challenge through cert-manager's steps: present (the key authorization on every silo's responder and
/// a route to it), self-check until the CA would see it, accept, wait for the authorization, clean up. No step waits
/// inside a call: each tick of its <see cref="StepLoop"/> takes one step from persisted state, and the loop's reminder
/// restarts it after a crash.
/// </summary>
[GrainType("challenge")]
public sealed class ChallengeGrain(
    [PersistentState("challenge", "certfleet")] IPersistentState<ChallengeState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    AcmeClients clients,
    IHttp01SelfCheck selfCheck,
    Dns01Providers dns01Providers,
    Dns01PropagationCheck propagation,
    IOptions<IssuanceOptions> options,
    ILogger<ChallengeGrain> logger,
    IClusterMembership membership) : Grain, IChallengeGrain, IRemindable
{
    private const string Component = "cert-manager-challenges";
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SelfCheckPeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    /// <summary>Polls for the authorization and retries start at MinDelay and double up to MaxDelay.</summary>
    private static readonly ExponentialBackoff Polling = new(MinDelay, MaxDelay);
    /// <summary>First retry after a DNS provider error; later ones back off as polls do, to MaxDelay.</summary>
    private static readonly TimeSpan ProviderRetryDelay = TimeSpan.FromSeconds(5);
    /// <summary>
    /// One write to a member cluster's solver route, retries included: members are written in parallel, so an
    /// unreachable one costs a present or a clean-up attempt this long at most.
    /// </summary>
    private static readonly TimeSpan MemberWriteTimeout = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Clean-up attempts a member's route gets before it is left behind with a Warning Event, so a member that stays
    /// unreachable holds neither the Challenge's finalizer nor its Order for longer than a few minutes.
    /// </summary>
    public const int MaxFleetCleanUpAttempts = 6;

    private ObjectKey _key = null!;
    private StepLoop _steps = null!;
    private ObjectEvents _events = null!;
    // The reason this activation last wrote to the status. A reason can be stored without being shown (a crash, or a
    // store whose answer was lost, between the two writes): a fresh activation shows it again.
    private string? _reasonShown;
    /// <summary>When this activation put the token in the directory (grain time); null until it has.</summary>
    private DateTimeOffset? _tokenPresentedAt;

    private ChallengeState State => store.State;
    private Challenge Resource => State.Work!.Resource;
    private ChallengeSpec Spec => Resource.Spec;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        _steps = new StepLoop(this, AdvanceAsync, Polling);
        _events = new ObjectEvents(writer, ResourceKind.Challenge, _key, Component, () => State.Work?.ChallengeUid);
        return Task.CompletedTask;
    }

    public async Task StartAsync(ChallengeWork work)
    {
        GrainScopeException.ThrowIf(IssuerScope.ObjectRefusal(_key, "Challenge", work.Resource.Metadata)
                                    ?? IssuerScope.AcmeContextRefusal(_key, work.Issuer, options.Value.ClusterResourceNamespace)
                                    ?? (work.Order == _key.WithName(work.Order.Name) ? null
                                        : $"Challenge grain \"{_key.ToGrainKey()}\" refused Order \"{work.Order.ToGrainKey()}\": not of its cluster and namespace"));
        if (State.Work is null)
        {
            State.Work = work;
            await store.WriteStateAsync();
        }
        // Also when started again: the first start may have crashed between the state write and the reminder. Once
        // cleaned up, the step only drops a reminder left behind.
        if (State.Phase != ChallengePhase.CleanedUp)
            await _steps.StartAsync();
        else
            _steps.Schedule(TimeSpan.Zero);
    }

    public async Task DeletedAsync(List<string> finalizers)
    {
        if (State.Work is not null && State.Phase != ChallengePhase.CleanedUp)
            await CleanUpAsync();
        else if (finalizers.Contains(Finalizers.Acme))
        {
            // Nothing is left to clean up here (done already, or cert-manager made it before a switch, or its record is
            // lost): the finalizer has nothing to guard and would only hold the deletion for ever.
            await writer.RemoveFinalizerAsync(ResourceKind.Challenge, _key, Finalizers.Acme);
        }
        // cert-manager's older spelling, on Challenges an older cert-manager made: removed as cert-manager removes it.
        if (finalizers.Contains(Finalizers.AcmeLegacy))
            await writer.RemoveFinalizerAsync(ResourceKind.Challenge, _key, Finalizers.AcmeLegacy);
        // A reminder left behind would wake this grain every minute for an object that is gone.
        await _steps.StopAsync();
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        membership.HasLeft(_key.Cluster) ? DetachAsync() : _steps.ReminderFired();

    /// <summary>
    /// Unlike <see cref="DeletedAsync"/> nothing in the cluster is cleaned up (solver route, finalizer): only the token the
    /// silos answer goes, which is the fleet's.
    /// </summary>
    public async Task DetachAsync()
    {
        if (State.Work is not null && Spec.Type == ChallengeTypes.Http01 && State.Phase != ChallengePhase.CleanedUp)
            await TokenDirectory.RemoveAsync(Spec.Token);
        await _steps.StopAsync();
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    private async Task AdvanceAsync()
    {
        if (State.Work is null)
            return;
        if (State.Phase == ChallengePhase.CleanedUp)
        {
            // Woken by a reminder registered again by a start racing a restart: it has nothing left to wake.
            await _steps.StopAsync();
            return;
        }
        try
        {
            switch (State.Phase)
            {
                case ChallengePhase.New: await PresentAsync(); break;
                case ChallengePhase.Presented: await SelfCheckAsync(); break;
                case ChallengePhase.Accepted: await WaitForAuthorizationAsync(); break;
                case ChallengePhase.Finished: await FinishAsync(); break;
            }
        }
        catch (AcmeException ex) when (ex.SuggestedAction is not (AcmeProblemAction.RetryNow or AcmeProblemAction.BackOff))
        {
            await EndAsync(OrderStates.Errored, $"Failed to accept challenge: {ex.Message}", EventReasons.Failed);
        }
        catch (Dns01ProviderException ex)
        {
            // A DNS provider's error or timeout: shown on the Challenge and retried with backoff, never fatal.
            var cleaningUp = State.Phase == ChallengePhase.Finished;
            var reason = $"{(cleaningUp ? "Error cleaning up challenge" : "Error presenting challenge")}: {ex.Message}";
            if (reason != State.Reason)
            {
                State.Reason = reason;
                await store.WriteStateAsync();
            }
            if (reason != _reasonShown)
            {
                logger.LogInformation("Challenge {Namespace}/{Name}: {Reason}; retrying every {Delay}", _key.Namespace, _key.Name, reason, ProviderRetryDelay);
                await WriteStatusAsync(processing: !cleaningUp, presented: State.PresentedAt is not null);
                _events.Record(EventRecord.Warning, cleaningUp ? EventReasons.CleanUpError : EventReasons.PresentError, reason);
            }
            _steps.ScheduleBackoff(ProviderRetryDelay);
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            // Its status write found no Challenge: deleted without this grain hearing of it (while no silo watched,
            // say). Cleaned up as a delivered deletion would be, instead of retried for ever.
            logger.LogInformation("Challenge {Namespace}/{Name} no longer exists ({Error}); cleaning up", _key.Namespace, _key.Name, ex.Message);
            await DeletedAsync([]);
        }
        catch (Exception ex) when (ex is AcmeException or HttpRequestException or TaskCanceledException or ClusterWriteException or AcmeAccountKeyException)
        {
            logger.LogInformation("Challenge {Namespace}/{Name}: retrying after {Error}", _key.Namespace, _key.Name, ex.Message);
            _steps.ScheduleBackoff(MaxDelay);
        }
    }

    private async Task PresentAsync()
    {
        if (State.Reason is null)
            _events.Record(EventRecord.Normal, EventReasons.Started, "Challenge scheduled for processing");
        if (Spec.Type == ChallengeTypes.Dns01)
        {
            var solver = Spec.Solver.Dns01!;
            var nameservers = Nameservers(solver);
            var fqdn = $"_acme-challenge.{Spec.DnsName}.";
            if (solver.CnameStrategy == AcmeCnameStrategies.Follow)
                fqdn = await propagation.FollowCnameAsync(fqdn, nameservers) + ".";
            var provider = await dns01Providers.CreateAsync(State.Work!.Issuer, solver, Spec.DnsName);
            await provider.PresentAsync(fqdn, Spec.Key);
            State.Dns01Fqdn = fqdn;
        }
        else
        {
            await PresentTokenAsync();
            await writer.ApplySolverRouteAsync(Route());
            await PresentFleetRoutesAsync();
        }
        State.Phase = ChallengePhase.Presented;
        State.PresentedAt = clock.GetUtcNow();
        State.State = OrderStates.Pending;
        State.Reason = $"Waiting for {Spec.Type} challenge propagation";
        await store.WriteStateAsync();
        await WriteStatusAsync(processing: true, presented: true);
        _events.Record(EventRecord.Normal, EventReasons.Presented, $"Presented challenge using {Spec.Type} challenge mechanism");
        _steps.Schedule(TimeSpan.Zero);
    }

    /// <summary>The solver's nameservers, else the controller's recursive nameservers, else none (authoritative).</summary>
    private List<string> Nameservers(AcmeDns01Solver solver) => dns01Providers.NameserversOf(solver);

    private async Task<string?> PropagationErrorAsync() => Spec.Type == ChallengeTypes.Dns01
        ? await propagation.CheckAsync(State.Dns01Fqdn!, Spec.Key, Nameservers(Spec.Solver.Dns01!))
        : (await selfCheck.CheckAsync(Spec.DnsName, Spec.Token, Spec.Key)) is { Passed: false } failed ? failed.Error : null;

    private async Task SelfCheckAsync()
    {
        if (Spec.Type == ChallengeTypes.Http01)
        {
            await EnsureTokenPresentedAsync();
            // Every silo's responder serves the token once its copy was fetched after the present; the CA may ask any.
            var served = _tokenPresentedAt!.Value + Http01Tokens.PropagationDelay;
            if (clock.GetUtcNow() < served)
            {
                _steps.Schedule(served - clock.GetUtcNow());
                return;
            }
        }
        if (await PropagationErrorAsync() is { } error)
        {
            var reason = $"Waiting for {Spec.Type} challenge propagation: {error}";
            if (reason != State.Reason)
            {
                State.Reason = reason;
                await store.WriteStateAsync();
            }
            if (reason != _reasonShown)
                await WriteStatusAsync(processing: true, presented: true);
            _steps.Schedule(SelfCheckPeriod);
            return;
        }
        var client = await ClientAsync();
        try
        {
            await client.AcceptChallengeAsync(Spec.Url);
        }
        catch (AcmeException ex) when (ex.Problem is not null)
        {
            // A crash after an accept and before its record: the CA may refuse a second one. If it already took the
            // first, go on waiting for the authorization; otherwise the refusal stands.
            var authorization = await client.GetAuthorizationAsync(Spec.AuthorizationUrl);
            var challenge = authorization.Challenges.FirstOrDefault(c => c.Url == Spec.Url);
            if (authorization.Status == OrderStates.Pending && challenge?.Status is null or OrderStates.Pending)
                throw;
        }
        State.Phase = ChallengePhase.Accepted;
        State.State = OrderStates.Processing;
        State.Reason = "Waiting for the ACME server to validate the challenge";
        await store.WriteStateAsync();
        await WriteStatusAsync(processing: true, presented: true);
        _steps.Schedule(MinDelay);
    }

    private async Task WaitForAuthorizationAsync()
    {
        if (Spec.Type == ChallengeTypes.Http01)
            await EnsureTokenPresentedAsync();
        var client = await ClientAsync();
        var authorization = await client.GetAuthorizationAsync(Spec.AuthorizationUrl);
        switch (authorization.Status)
        {
            case OrderStates.Valid:
                await EndAsync(OrderStates.Valid, "Successfully authorized domain", EventReasons.DomainVerified,
                    $"Domain \"{Spec.DnsName}\" verified with \"{Spec.Type}\" validation", askedTheCa: true);
                return;
            case OrderStates.Pending:
                _steps.ScheduleBackoff(authorization.RetryAfter);
                return;
            default:
                var error = authorization.Challenges.FirstOrDefault(c => c.Url == Spec.Url)?.Error
                            ?? authorization.Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null);
                var detail = error is null ? $"authorization is {authorization.Status}" : $"{error.Type}: {error.Detail}";
                await EndAsync(OrderStates.Invalid, $"Error accepting authorization: acme: authorization error for {Spec.DnsName}: {detail}", EventReasons.Failed,
                    askedTheCa: true);
                return;
        }
    }

    /// <summary>
    /// Records a final state, then cleans up on the next tick (so a crash in between still cleans up); the
    /// resource's status is written once, after the clean-up. An end the CA's authorization states
    /// (<paramref name="askedTheCa"/>) is recorded with the clean-up instead: a crash before that asks the CA again.
    /// </summary>
    private async Task EndAsync(string state, string reason, string eventReason, string? eventMessage = null, bool askedTheCa = false)
    {
        State.State = state;
        State.Reason = reason;
        State.Phase = ChallengePhase.Finished;
        if (!askedTheCa)
            await store.WriteStateAsync();
        _events.Record(state == OrderStates.Valid ? EventRecord.Normal : EventRecord.Warning, eventReason, eventMessage ?? reason);
        _steps.Schedule(TimeSpan.Zero);
    }

    private async Task FinishAsync()
    {
        await CleanUpAsync();
        State.Phase = ChallengePhase.CleanedUp;
        await store.WriteStateAsync();
        try
        {
            await WriteStatusAsync(processing: false, presented: false);
        }
        catch (ClusterWriteException ex) when (ex.StatusCode == (int)System.Net.HttpStatusCode.NotFound)
        {
            // Deleted meanwhile (its Order completed, or a user), perhaps while no silo watched: nothing is left to
            // show, and the finish must not retry forever on a reminder.
        }
        await GrainFactory.GetGrain<IOrderGrain>(State.Work!.Order.ToGrainKey()).ChallengeFinishedAsync(_key.Name);
        await _steps.StopAsync();
    }

    private async Task CleanUpAsync()
    {
        if (Spec.Type == ChallengeTypes.Http01)
        {
            await TokenDirectory.RemoveAsync(Spec.Token);
            await writer.DeleteSolverRouteAsync(Route());
            await CleanUpFleetRoutesAsync();
        }
        else if (State.Dns01Fqdn is { } fqdn)
        {
            // Only our value goes: the apex and wildcard challenges of one order share the record set.
            var provider = await dns01Providers.CreateAsync(State.Work!.Issuer, Spec.Solver.Dns01!, Spec.DnsName);
            await provider.CleanUpAsync(fqdn, Spec.Key);
        }
        await writer.RemoveFinalizerAsync(ResourceKind.Challenge, _key, Finalizers.Acme);
    }

    /// <summary>
    /// The FleetCertificate this Challenge issues for: its Certificate's label, carried to the CertificateRequest, Order
    /// and Challenge as cert-manager carries labels. Believed only in the home cluster's controller namespace, where
    /// the FleetCertificate makes its one Certificate, so nobody else can have routes made in other clusters.
    /// </summary>
    private string? FleetCertificate =>
        Spec.Type == ChallengeTypes.Http01 && _key.Cluster == options.Value.HomeCluster && _key.Namespace == options.Value.ClusterResourceNamespace
        && Resource.Metadata.Labels?.GetValueOrDefault(FleetNames.FleetCertificateLabel) is { Length: > 0 } name
            ? name
            : null;

    /// <summary>
    /// A FleetCertificate's HTTP-01: the same route in every placed member cluster, so the CA may reach any of them
    /// (GeoDNS, anycast). A member that cannot be written gets a Warning Event and does not hold the Challenge: the CA
    /// can still validate through the home cluster and the other members.
    /// </summary>
    private async Task PresentFleetRoutesAsync()
    {
        if (FleetCertificate is not { } fleet)
            return;
        var placements = await GrainFactory.GetGrain<IFleetCertificateGrain>(fleet).GetPlacementsAsync();
        var targets = FleetSolverTargets.Of(placements, options.Value.HomeCluster);
        // Recorded before writing: a crash in between still cleans up what may have been made.
        State.FleetRoutes = [.. State.FleetRoutes.Union(targets)];
        await store.WriteStateAsync();
        var outcomes = await Task.WhenAll(targets.Select(async target => (target, error: await MemberWriteErrorAsync(
            ct => writer.ApplySolverRouteAsync(MemberRoute(target, fleet), ct)))));
        foreach (var (target, error) in outcomes.Where(outcome => outcome.error is not null))
        {
            logger.LogWarning("Challenge {Namespace}/{Name}: no solver route in member cluster {Member}: {Error}", _key.Namespace, _key.Name, target.Cluster, error);
            _events.Record(EventRecord.Warning, CertFleetReasons.FleetSolverRouteError,
                $"Could not create the HTTP-01 solver route for FleetCertificate \"{fleet}\" in cluster \"{target.Cluster}\" " +
                $"(namespace \"{target.Namespace}\"): {error}. The CA can validate only through the clusters that have one.");
        }
    }

    /// <summary>
    /// Deletes the member routes; one that cannot be deleted is tried again (the step's retry, or the deletion's
    /// redelivery) up to <see cref="MaxFleetCleanUpAttempts"/> times, then left with a Warning Event saying how to
    /// find it. A member that left the fleet is not written to, and counts as done.
    /// </summary>
    private async Task CleanUpFleetRoutesAsync()
    {
        if (State.FleetRoutes.Count == 0)
            return;
        var fleet = Resource.Metadata.Labels?.GetValueOrDefault(FleetNames.FleetCertificateLabel) ?? "";
        var outcomes = await Task.WhenAll(State.FleetRoutes.Select(async target => (target, error: await MemberWriteErrorAsync(
            ct => writer.DeleteSolverRouteAsync(MemberRoute(target, fleet), ct), leftIsDone: true))));
        var failed = outcomes.Where(outcome => outcome.error is not null).ToList();
        var errors = string.Join("; ", failed.Select(f => $"cluster \"{f.target.Cluster}\": {f.error}"));
        State.FleetRoutes = [.. failed.Select(f => f.target)];
        if (failed.Count > 0 && ++State.FleetCleanUpAttempts < MaxFleetCleanUpAttempts)
        {
            await store.WriteStateAsync();
            throw new ClusterWriteException($"Error cleaning up the HTTP-01 solver routes of FleetCertificate \"{fleet}\" " +
                                            $"(attempt {State.FleetCleanUpAttempts} of {MaxFleetCleanUpAttempts}): {errors}");
        }
        if (failed.Count > 0)
        {
            _events.Record(EventRecord.Warning, CertFleetReasons.FleetSolverRouteLeft,
                $"Gave up deleting the HTTP-01 solver routes of FleetCertificate \"{fleet}\" after {MaxFleetCleanUpAttempts} attempts ({errors}). " +
                $"Delete them by hand: the Ingresses or HTTPRoutes and Services labelled {FleetNames.FleetCertificateLabel}={fleet} " +
                $"in namespace{(failed.Count > 1 ? "s" : "")} {string.Join(", ", failed.Select(f => $"\"{f.target.Namespace}\" of cluster \"{f.target.Cluster}\""))}.");
            State.FleetRoutes = [];
        }
        await store.WriteStateAsync();
    }

    /// <summary>
    /// Runs one member write within <see cref="MemberWriteTimeout"/>; its error message, or null when it succeeded (or,
    /// with <paramref name="leftIsDone"/>, when the cluster left the fleet: what is left there is no longer ours to delete).
    /// </summary>
    private static async Task<string?> MemberWriteErrorAsync(Func<CancellationToken, Task> write, bool leftIsDone = false)
    {
        using var timeout = new CancellationTokenSource(MemberWriteTimeout);
        try
        {
            await write(timeout.Token);
            return null;
        }
        catch (ClusterWriteException ex)
        {
            return ex.IsNotMember && leftIsDone ? null : ex.Message;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return $"no answer within {MemberWriteTimeout.TotalSeconds:0} s";
        }
    }

    /// <summary>The home route's copy for one member cluster and namespace.</summary>
    private SolverRoute MemberRoute(FleetPlacement target, string fleet) => Route() with
    {
        Challenge = new ObjectKey(target.Cluster, target.Namespace, _key.Name),
        FleetCertificate = fleet,
    };

    private IHttp01TokenDirectoryGrain TokenDirectory =>
        GrainFactory.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey);

    /// <summary>The responders serve the key authorization, and only to requests for the Challenge's dnsName.</summary>
    private async Task PresentTokenAsync()
    {
        await TokenDirectory.PresentAsync(Spec.Token, Spec.Key, Spec.DnsName);
        _tokenPresentedAt = clock.GetUtcNow();
    }

    /// <summary>
    /// Once per activation while presented: a token presented by an earlier version (one grain per token) is put in
    /// the directory, and one lost with its store is put back. Unchanged, it costs the directory no write.
    /// </summary>
    private Task EnsureTokenPresentedAsync() => _tokenPresentedAt is null ? PresentTokenAsync() : Task.CompletedTask;

    private SolverRoute Route()
    {
        var http01 = Spec.Solver.Http01!;
        return new SolverRoute
        {
            Challenge = _key,
            ChallengeUid = State.Work!.ChallengeUid,
            DnsName = Spec.DnsName,
            Token = Spec.Token,
            ServiceName = options.Value.Http01SolverServiceName,
            ServicePort = options.Value.Http01SolverPort,
            Ingress = http01.Ingress is { } ingress
                ? new SolverIngress
                {
                    IngressClassName = ingress.IngressClassName,
                    Class = ingress.Class,
                    Name = ingress.Name,
                    Labels = ingress.IngressTemplate?.Metadata?.Labels ?? [],
                    Annotations = ingress.IngressTemplate?.Metadata?.Annotations ?? [],
                }
                : null,
            HttpRoute = http01.GatewayHttpRoute is { } route
                ? new SolverHttpRoute
                {
                    ParentRefs = [.. (route.ParentRefs ?? []).Select(p => new SolverParentRef(p.Name, p.Namespace, p.Kind, p.Group, p.SectionName, p.Port))],
                    Labels = route.Labels ?? [],
                }
                : null,
        };
    }

    private Task<AcmeClient> ClientAsync()
    {
        var issuer = State.Work!.Issuer;
        return clients.ForAccountAsync(issuer.Spec, issuer.AccountKeySecret, issuer.AccountUrl);
    }

    private async Task WriteStatusAsync(bool processing, bool presented)
    {
        await writer.WriteStatusAsync(ResourceKind.Challenge, _key, new ChallengeStatus
        {
            Processing = processing,
            Presented = presented,
            PresentedAt = presented ? State.PresentedAt : null,
            Reason = State.Reason,
            State = State.State,
        });
        _reasonShown = State.Reason;
    }
}
