using CertFleet.Grains.Acme;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.RateLimits;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Caa;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ApiOrder = CertFleet.Interfaces.Api.Order;

namespace CertFleet.Grains;

/// <summary>
/// Drives one ACME order to a certificate: newOrder, a Challenge per pending authorization, finalize, download.
/// Each tick of its <see cref="StepLoop"/> takes one idempotent step from persisted state; the loop's one-minute
/// reminder restarts it after a crash. The Order resource mirrors the state so `kubectl describe order` tells the story.
/// </summary>
[GrainType("order")]
public sealed class OrderGrain(
    [PersistentState("order", "certfleet")] IPersistentState<OrderState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    IClusterWriter writer,
    AcmeClients clients,
    IOptions<IssuanceOptions> options,
    ILogger<OrderGrain> logger,
    RateLimitBudgets budgets,
    CaaLookup caa,
    AccountOrderListings listings,
    IClusterMembership membership) : Grain, IOrderGrain, IRemindable
{
    private const string Component = "cert-manager-orders";
    /// <summary>Event reason once transient trouble has lasted <see cref="TransientGiveUp"/> for an order kept going.</summary>
    private const string RetryingEventReason = "Retrying";
    /// <summary>Event reason for a CAA preflight refusal (cert-manager has none: it leaves CAA to the CA).</summary>
    private const string CaaEventReason = "CAA";
    /// <summary>Polling starts fast (CAs often finish in well under a second) and doubles up to MaxPoll.</summary>
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(10);
    private static readonly ExponentialBackoff Polling = new(MinPoll, MaxPoll);
    /// <summary>How long a pending order whose Challenges all run waits for their wake-up before it polls anyway.</summary>
    private static readonly TimeSpan ChallengeWait = MaxPoll;
    /// <summary>
    /// Transient trouble with the CA (5xx, timeouts, resets) ends an order that nothing was ordered for once it has lasted
    /// this long; the Certificate's backoff takes over. An order the CA may hold is never given up for it, nor is any
    /// order for a failing Kubernetes API.
    /// </summary>
    private static readonly TimeSpan TransientGiveUp = TimeSpan.FromMinutes(5);
    /// <summary>Retries after transient trouble go as polls do (MinPoll doubling up to MaxPoll), then this far apart once
    /// the trouble has lasted <see cref="TransientGiveUp"/>.</summary>
    private static readonly TimeSpan SlowTransientRetry = TimeSpan.FromMinutes(1);
    /// <summary>Answers in a row the client does not read (too large, a redirect, garbage) that end the order.</summary>
    private const int MaxUnreadableAnswers = 8;
    private static readonly TimeSpan NewOrderTurnRetry = TimeSpan.FromSeconds(1);
    /// <summary>A ready order whose certificate tokens come back within this long waits for them instead of ending.</summary>
    private static readonly TimeSpan ReadyOrderHold = TimeSpan.FromMinutes(5);
    /// <summary>A 429 without Retry-After waits as long as cert-manager's first failure backoff.</summary>
    private static readonly TimeSpan DefaultRateLimitWait = TimeSpan.FromHours(1);

    /// <summary>Bounds the search of the account's orders list for an order whose newOrder answer was lost.</summary>
    private const int MaxOrdersExamined = 200;

    private ObjectKey _key = null!;
    private StepLoop _steps = null!;
    private ObjectEvents _events = null!;
    private int _transientFailures;
    private int _unreadableAnswers;
    private DateTimeOffset? _failingSince;
    private bool _slowRetryShown;
    /// <summary>Re-registration is tried once per activation, so a CA that keeps forgetting cannot loop us.</summary>
    private bool _reRegistered;

    private OrderState State => store.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        _steps = new StepLoop(this, AdvanceAsync, Polling);
        _events = new ObjectEvents(writer, ResourceKind.Order, _key, Component, () => State.ResourceUid);
        return Task.CompletedTask;
    }

    public async Task StartAsync(OrderWork work)
    {
        GrainScopeException.ThrowIf(IssuerScope.AcmeContextRefusal(_key, work.Issuer, options.Value.ClusterResourceNamespace)
                                    ?? (work.Request == _key.WithName(work.Request.Name) ? null
                                        : $"Order grain \"{_key.ToGrainKey()}\" refused CertificateRequest \"{work.Request.ToGrainKey()}\": not of its cluster and namespace"));
        if (State.Work is not null)
        {
            // Already under way: make sure it keeps moving, and survives a crash that came before its reminder. Once
            // reported, the step only drops a reminder left behind.
            if (!State.Reported)
                await _steps.StartAsync();
            else
                _steps.Schedule(TimeSpan.Zero);
            return;
        }
        // The Order object first: nothing is recorded (or asked of the CA) for an Order the API server refused.
        var created = await writer.CreateResourceAsync(ResourceKind.Order, _key, Resource(work));
        State.Work = work;
        State.State = OrderStates.Pending;
        State.ResourceUid = created.Metadata.Uid;
        await store.WriteStateAsync();
        await _steps.StartAsync();
    }

    public Task ChallengeFinishedAsync(string challengeName)
    {
        _steps.ResetBackoff();
        _steps.Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public async Task DeletedAsync()
    {
        await _steps.StopAsync();
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        membership.HasLeft(_key.Cluster) ? DetachAsync() : _steps.ReminderFired();

    /// <summary>The Order object and its Challenges stay in the cluster as they are; the CA's order simply expires.</summary>
    public Task DetachAsync() => DeletedAsync();

    private async Task AdvanceAsync()
    {
        if (State.Work is not { } work)
            return;
        if (OrderStates.IsFinal(State.State))
        {
            await ReportAsync();
            return;
        }
        try
        {
            var client = await clients.ForAccountAsync(work.Issuer.Spec, work.Issuer.AccountKeySecret, work.Issuer.AccountUrl);
            var order = State.OrderUrl is null ? await PlaceAsync(client, work) : await client.GetOrderAsync(State.OrderUrl);
            if (order is not null)
                await StepAsync(client, work, order);
            _transientFailures = 0;
            _unreadableAnswers = 0;
            _failingSince = null;
            _slowRetryShown = false;
        }
        catch (AcmeException ex) when (ex.NotSent)
        {
            // Other orders of the account hold every turn: waiting is not a failure. A little jitter spreads the queue.
            logger.LogInformation("Order {Namespace}/{Name}: {Reason}; trying again shortly", _key.Namespace, _key.Name, ex.Message);
            _steps.Schedule(NewOrderTurnRetry + TimeSpan.FromMilliseconds(Random.Shared.Next(1000)));
        }
        catch (AcmeException ex) when (ex.SuggestedAction is AcmeProblemAction.RetryNow or AcmeProblemAction.BackOff && KeepsTrying(ex))
        {
            RetryAfterTransientFailure(ex);
        }
        catch (AcmeException ex) when (ex.SuggestedAction == AcmeProblemAction.WaitForRetryAfter && State.OrderUrl is null)
        {
            await FinishRateLimitedAsync(work, ex);
        }
        catch (AcmeException ex) when (ex.SuggestedAction == AcmeProblemAction.WaitForRetryAfter)
        {
            // Load-shedding while polling an order that exists: wait as asked, then poll again.
            logger.LogInformation("Order {Namespace}/{Name}: waiting {Delay} as the ACME server asked", _key.Namespace, _key.Name, ex.RetryAfter);
            _steps.Schedule(ex.RetryAfter ?? MaxPoll);
        }
        catch (AcmeException ex) when (ex.SuggestedAction == AcmeProblemAction.ReRegister && !_reRegistered)
        {
            // The CA no longer knows the account (it was reset or the account purged): register again through the
            // issuer, which keeps the key, and carry on with the new account URL.
            _reRegistered = true;
            logger.LogInformation("Order {Namespace}/{Name}: the ACME server does not know the account; registering it again", _key.Namespace, _key.Name);
            var issuer = GrainFactory.GetGrain<IIssuerGrain>(work.Issuer.Issuer.ToGrainKey());
            await issuer.ReconcileAsync();
            if ((await issuer.GetSnapshotAsync(null)).Acme is { } context)
            {
                State.Work = work with { Issuer = context };
                await store.WriteStateAsync();
                _steps.Schedule(TimeSpan.Zero);
                return;
            }
            await FinishAsync(OrderStates.Errored, $"{ex.Message}; registering the account again failed, see the {work.Issuer.IssuerKind}'s status");
        }
        catch (AcmeException ex)
        {
            // cert-manager: any other ACME error ends the Order as errored; the Certificate's backoff decides when to retry.
            await FinishAsync(OrderStates.Errored, State.OrderUrl is null ? $"Failed to create Order: {ex.Message}" : ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or PkiException)
        {
            // Input no retry can fix (a CSR the client refuses to send for this order, say): end the order with it
            // rather than fail the same step on every reminder.
            await FinishAsync(OrderStates.Errored, State.OrderUrl is null ? $"Failed to create Order: {ex.Message}" : ex.Message);
        }
        catch (ClusterWriteException ex) when (ex.IsNotFound)
        {
            // A write found no Order (or no namespace): deleted without this grain hearing of it (while no silo
            // watched, say). Forgotten as a delivered deletion would be, instead of retried for ever.
            logger.LogInformation("Order {Namespace}/{Name} no longer exists ({Error}); forgetting it", _key.Namespace, _key.Name, ex.Message);
            await DeletedAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ClusterWriteException or AcmeAccountKeyException)
        {
            if (!KeepsTrying(ex))
            {
                await FinishAsync(OrderStates.Errored, $"Failed to create Order: {ex.Message}");
                return;
            }
            RetryAfterTransientFailure(ex);
        }
    }

    /// <summary>
    /// Whether transient trouble is retried once more: always while the CA may hold an order for this one (giving it up
    /// would order again, and a CA's outage or restart ends), and always when it is the Kubernetes API that fails (the
    /// CA has nothing to do with it, and an outage of the API server is waited out, never counted as a failed issuance);
    /// else until it has lasted <see cref="TransientGiveUp"/>. An answer the CA keeps sending that the client does not
    /// read is no outage: it ends the order after a few tries, held or not, so that its reason reaches the Certificate
    /// instead of a retry every minute for good.
    /// </summary>
    private bool KeepsTrying(Exception? ex = null)
    {
        var now = clock.GetUtcNow();
        _failingSince ??= now;
        if (ex is ClusterWriteException)
            return true;
        if (ex is AcmeException { UnreadableAnswer: true })
            return ++_unreadableAnswers < MaxUnreadableAnswers;
        return State.OrderUrl is not null || State.NewOrderSent || now - _failingSince < TransientGiveUp;
    }

    private void RetryAfterTransientFailure(Exception ex)
    {
        _transientFailures++;
        var slow = clock.GetUtcNow() - _failingSince >= TransientGiveUp;
        var delay = slow ? SlowTransientRetry : Polling.Delay(_transientFailures);
        if (slow && !_slowRetryShown)
        {
            // Said once per outage: the order is kept (the CA may hold it) and a person should know why nothing moves.
            _slowRetryShown = true;
            _events.Record(EventRecord.Warning, RetryingEventReason,
                $"{ex.Message}; failing for {TransientGiveUp.TotalMinutes:0} minutes now, so retried every {SlowTransientRetry.TotalMinutes:0} minute until it answers");
        }
        logger.LogInformation("Order {Namespace}/{Name}: retrying in {Delay} after {Error}", _key.Namespace, _key.Name, delay, ex.Message);
        _steps.Schedule(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(250)));
    }

    private async Task<AcmeOrder?> PlaceAsync(AcmeClient client, OrderWork work)
    {
        var identifiers = IdentifiersOf(work);
        // Every identifier needs a solver before anything is ordered: an order that cannot be solved only burns the
        // CA's failed-validation budget.
        var unsolvable = identifiers.Where(i => SolverSelection.Select(work.Issuer.Spec.Solvers ?? [],
                i.Value.StartsWith("*.", StringComparison.Ordinal) ? i.Value[2..] : i.Value, i.Value.StartsWith("*.", StringComparison.Ordinal),
                work.Labels, work.DnsPolicy, ipIdentifier: i.Type == AcmeIdentifier.IpType) is null)
            .Select(i => i.Value).ToList();
        if (unsolvable.Count > 0)
        {
            var message = $"No solver of {work.Issuer.IssuerKind} \"{work.Issuer.Issuer.Name}\" can be used for {string.Join(", ", unsolvable.Select(n => $"\"{n}\""))}" +
                          (work.DnsPolicy is { } policy ? $" with spec.dnsPolicy {policy}" : "") +
                          (unsolvable.Any(n => n.StartsWith("*.", StringComparison.Ordinal)) ? "; wildcard names need a dns01 solver" : "") +
                          "; nothing was ordered";
            _events.Record(EventRecord.Warning, EventReasons.Solver, message);
            await FinishAsync(OrderStates.Errored, message);
            return null;
        }
        if (options.Value.CaaPreflight && await CaaRefusalAsync(client, work, identifiers) is { } refusal)
        {
            _events.Record(EventRecord.Warning, CaaEventReason, refusal);
            await FinishAsync(OrderStates.Errored, $"{refusal}; nothing was ordered");
            return null;
        }
        var directory = await client.GetDirectoryAsync();
        var profile = AcmeProfileChoice.For(work.Issuer.Spec.Profile, directory.Meta.Profiles);
        if (profile.Error is { } profileError)
        {
            _events.Record(EventRecord.Warning, CertFleetReasons.InvalidProfile, profileError);
            await FinishAsync(OrderStates.Errored, $"{profileError}; nothing was ordered");
            return null;
        }
        if (profile.Ignored)
            _events.Record(EventRecord.Warning, CertFleetReasons.InvalidProfile,
                $"spec.acme.profile \"{work.Issuer.Spec.Profile}\" was not sent: the ACME server advertises no profiles");
        // Tokens are reserved now, when nothing but newOrder is left: an order refused above (or never placed) holds
        // none, and a spent budget orders nothing.
        State.ReplacesNotSent = directory.RenewalInfo is null;
        if (await budgets.TakeNewOrderAsync(GrainFactory, BudgetOrder(work), BudgetHolder) is { } wait)
        {
            await FinishWaitingAsync(wait.ReopensAt, $"Failed to create Order: {RateLimitBudgets.Describe(wait)}; nothing was ordered");
            return null;
        }
        var order = State.NewOrderSent ? await FindUnrecordedOrderAsync(client, work, identifiers) : null;
        if (order is null)
        {
            // Recorded first: ACME has no idempotency key, so after a crash this flag is all that says an order may exist.
            State.NewOrderSent = true;
            State.NewOrderSentAt = clock.GetUtcNow();
            await store.WriteStateAsync();
            try
            {
                (order, var replaceRefusal) = await ReplacingOrder.PlaceAsync(
                    client, identifiers, profile.Profile, directory.RenewalInfo is null ? null : work.Replaces);
                if (replaceRefusal is not null)
                {
                    // Placed as an ordinary order, counted from here on (the new-order token was not taken for it).
                    State.ReplacesNotSent = true;
                    _events.Record(EventRecord.Normal, ReplacingOrder.EventReason,
                        $"The ACME server refused to let this order replace certificate {work.Replaces} ({replaceRefusal.Message}); ordered again without \"replaces\"");
                }
            }
            catch (AcmeException ex) when (ex.Problem is not null || ex.NotSent)
            {
                // The CA answered with a problem, or never saw the request: it created nothing, so there is nothing to
                // look for next time.
                State.NewOrderSent = false;
                await store.WriteStateAsync();
                await budgets.NewOrderAnsweredAsync(GrainFactory, BudgetOrder(work), BudgetHolder, created: false);
                throw;
            }
        }
        await budgets.NewOrderAnsweredAsync(GrainFactory, BudgetOrder(work), BudgetHolder, created: true);
        if (order.Status == OrderStates.Pending)
        {
            // Its names still have to be validated, which may never happen (another tenant's names, a broken solver):
            // the certificate tokens go back until the order is ready.
            await budgets.ReleaseCertificateTokensAsync(GrainFactory, BudgetOrder(work), BudgetHolder);
        }
        State.OrderUrl = order.Url;
        State.FinalizeUrl = order.FinalizeUrl;
        State.Authorizations = [.. order.AuthorizationUrls.Select(url => new AuthorizationProgress { Url = url })];
        await store.WriteStateAsync();
        return order;
    }

    /// <summary>
    /// After a crash between sending newOrder and recording its answer: the order the CA created then, found in the
    /// account's orders list as a pending or ready order for exactly these identifiers. Null when the CA lists no
    /// orders (Let's Encrypt) or none matches; the caller then orders again, the one re-order ACME cannot rule out.
    /// Another Certificate of this account with the same identifier set could own the match; duplicates are rare
    /// and flagged on their own.
    /// </summary>
    private async Task<AcmeOrder?> FindUnrecordedOrderAsync(AcmeClient client, OrderWork work, IReadOnlyList<AcmeIdentifier> identifiers)
    {
        // Orders recovering from one crash share one listing (state from before NewOrderSentAt existed: list afresh).
        var sentAt = State.NewOrderSentAt ?? clock.GetUtcNow();
        var orders = await listings.OrdersAsync(client, work.Issuer.AccountUrl, sentAt, clock.GetUtcNow(), MaxOrdersExamined);
        var found = orders.FirstOrDefault(o => o.Status is OrderStates.Pending or OrderStates.Ready && o.HasIdentifiers(identifiers));
        if (found is not null)
            logger.LogInformation("Order {Namespace}/{Name}: resuming ACME order {Url}, created before a restart", _key.Namespace, _key.Name, found.Url);
        return found;
    }

    /// <summary>The first identifier whose CAA records would make the CA refuse, and why; null when all may be issued.</summary>
    private async Task<string?> CaaRefusalAsync(AcmeClient client, OrderWork work, IReadOnlyList<AcmeIdentifier> identifiers)
    {
        var directory = await client.GetDirectoryAsync();
        var caIdentities = directory.Meta?.CaaIdentities ?? [];
        foreach (var identifier in identifiers.Where(i => i.Type == AcmeIdentifier.DnsType))
        {
            var wildcard = identifier.Value.StartsWith("*.", StringComparison.Ordinal);
            var solver = SolverSelection.Select(work.Issuer.Spec.Solvers ?? [], wildcard ? identifier.Value[2..] : identifier.Value,
                wildcard, work.Labels, work.DnsPolicy)!;
            try
            {
                var records = await caa.RelevantRecordsAsync(identifier.Value);
                var method = SolverSelection.TypeOf(solver).ToLowerInvariant();
                if (CaaPolicy.Refusal(records, caIdentities, work.Issuer.AccountUrl, method, wildcard) is { } refusal)
                    return $"CAA for \"{identifier.Value}\": {refusal}";
            }
            catch (CaaLookupException ex)
            {
                return $"CAA for \"{identifier.Value}\": {ex.Message}";
            }
        }
        return null;
    }

    /// <summary>The identifiers the order asks for: the CSR's DNS names and IP addresses, and its common name.</summary>
    private static List<AcmeIdentifier> IdentifiersOf(OrderWork work)
    {
        var identifiers = work.DnsNames.Select(AcmeIdentifier.Dns)
            .Concat(work.IpAddresses.Select(AcmeIdentifier.Ip))
            .ToList();
        if (work.CommonName is { Length: > 0 } cn && !identifiers.Any(i => string.Equals(i.Value, cn, StringComparison.OrdinalIgnoreCase)))
            identifiers.Add(System.Net.IPAddress.TryParse(cn, out _) ? AcmeIdentifier.Ip(cn) : AcmeIdentifier.Dns(cn));
        return identifiers;
    }

    /// <summary>
    /// Why the CA's order cannot be finalized with this CSR (its identifiers are not the CSR's), or null. Finalizing
    /// would only be refused, so the order ends here with the difference, a few identifiers of it at most.
    /// </summary>
    private static string? IdentifierMismatch(OrderWork work, AcmeOrder order)
    {
        static string Normal(AcmeIdentifier i) =>
            i.Type + ":" + (i.Type == AcmeIdentifier.IpType && System.Net.IPAddress.TryParse(i.Value, out var ip) ? ip.ToString() : i.Value.ToLowerInvariant());
        var requested = IdentifiersOf(work).Select(Normal).ToHashSet(StringComparer.Ordinal);
        var ordered = order.Identifiers.Select(Normal).ToHashSet(StringComparer.Ordinal);
        if (requested.SetEquals(ordered))
            return null;
        static string List(IEnumerable<string> values)
        {
            var all = values.Order(StringComparer.Ordinal).ToList();
            return "[" + string.Join(", ", all.Take(5)) + (all.Count > 5 ? $", and {all.Count - 5} more" : "") + "]";
        }
        return $"the ACME server's order {order.Url} does not name the identifiers of the CSR: not requested {List(ordered.Except(requested))}, " +
               $"missing {List(requested.Except(ordered))}; the CSR's DNS names and IP addresses (and a common name among them) must be exactly the order's identifiers, so nothing was finalized";
    }

    private async Task StepAsync(AcmeClient client, OrderWork work, AcmeOrder order)
    {
        if (order.Status is OrderStates.Pending or OrderStates.Ready && IdentifierMismatch(work, order) is { } mismatch)
        {
            _events.Record(EventRecord.Warning, EventReasons.Failed, mismatch);
            await FinishAsync(OrderStates.Errored, mismatch);
            return;
        }
        switch (order.Status)
        {
            case OrderStates.Pending:
                await SetStateAsync(OrderStates.Pending, null);
                if (!await EnsureChallengesAsync(client, work))
                    return;
                // Each Challenge wakes this order as it finishes (ChallengeFinishedAsync), so polls meanwhile would only
                // spend signed requests. A slow poll stays in case a wake-up is lost; an authorization no Challenge was
                // made for (invalid already) fails the order on the next poll, which comes soon.
                if (State.Authorizations.All(a => a.ChallengeName is not null || a.InitialState == OrderStates.Valid))
                    _steps.Schedule(ChallengeWait);
                else
                    _steps.ScheduleBackoff();
                return;
            case OrderStates.Ready:
                if (await budgets.TakeCertificateTokensAsync(GrainFactory, BudgetOrder(work), BudgetHolder) is { } wait)
                {
                    // Others' certificates took the budget while this order was validated: finalizing now would
                    // overspend it. A short wait (others' orders about to finish) is waited out with the order kept;
                    // a long one ends it, and the Certificate orders again then (the CA reuses the valid authorizations).
                    var delay = wait.ReopensAt - clock.GetUtcNow();
                    if (delay <= ReadyOrderHold)
                    {
                        _steps.Schedule(delay > TimeSpan.Zero ? delay : MinPoll);
                        return;
                    }
                    await FinishWaitingAsync(wait.ReopensAt, $"{RateLimitBudgets.Describe(wait)}; the order was not finalized");
                    return;
                }
                // No separate write for "ready": finalize follows at once and its state is written instead.
                // The CertificateRequest parsed and verified the CSR before it ordered: only its DER goes to the CA.
                await client.FinalizeAsync(order, CsrBuilder.DerOf(work.CsrPem));
                // Processing even when the CA answers "valid" at once: Valid is final here, so it is recorded only once
                // the next step has downloaded the chain.
                await SetStateAsync(OrderStates.Processing, null);
                _steps.Schedule(MinPoll);
                return;
            case OrderStates.Processing:
                await SetStateAsync(OrderStates.Processing, null);
                _steps.ScheduleBackoff(order.RetryAfter);
                return;
            case OrderStates.Valid:
                var chain = await client.DownloadCertificateAsync(order.CertificateUrl!, work.Issuer.Spec.PreferredChain);
                State.CertificateUrl = order.CertificateUrl;
                State.ChainPem = chain.Pem;
                // Counted as the CA counts it: a certificate issued, not an order that might have been.
                await budgets.RecordIssuedAsync(GrainFactory, BudgetOrder(work), BudgetHolder);
                _events.Record(EventRecord.Normal, EventReasons.Complete, "Order completed successfully");
                await FinishAsync(OrderStates.Valid, null);
                return;
            default:
                var (reason, failedIdentifiers) = await FailureReasonAsync(client, order);
                await budgets.RecordAuthorizationFailuresAsync(GrainFactory, work.Issuer.Spec.Server, work.Issuer.AccountUrl, failedIdentifiers);
                await FinishAsync(order.Status == OrderStates.Invalid ? OrderStates.Invalid : OrderStates.Errored, reason);
                return;
        }
    }

    /// <summary>Creates a Challenge for each authorization still pending; false when the order cannot proceed.</summary>
    private async Task<bool> EnsureChallengesAsync(AcmeClient client, OrderWork work)
    {
        var changed = false;
        foreach (var progress in State.Authorizations.Where(a => a.ChallengeName is null && a.InitialState != OrderStates.Valid))
        {
            changed = true;
            var authorization = await client.GetAuthorizationAsync(progress.Url);
            progress.Identifier = authorization.Identifier.Value;
            progress.Wildcard = authorization.Wildcard;
            progress.InitialState ??= authorization.Status;
            if (authorization.Status != OrderStates.Pending)
                continue; // valid (reused) authorizations need nothing; invalid ones fail the order on the next poll

            var solver = SolverSelection.Select(work.Issuer.Spec.Solvers ?? [], authorization.Identifier.Value, authorization.Wildcard,
                work.Labels, work.DnsPolicy, ipIdentifier: authorization.Identifier.Type == AcmeIdentifier.IpType);
            if (solver is not null)
            {
                var (overridden, error) = SolverOverrides.Apply(solver, work.Annotations, _key.Namespace);
                if (overridden is null)
                {
                    var message = $"Failed to apply the HTTP-01 overrides for \"{authorization.Identifier.Value}\": {error}";
                    _events.Record(EventRecord.Warning, EventReasons.Solver, message);
                    await FinishAsync(OrderStates.Errored, message);
                    return false;
                }
                solver = overridden;
            }
            var type = solver is null ? null : SolverSelection.TypeOf(solver);
            var offered = authorization.Challenges.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase));
            if (solver is null || offered is null)
            {
                var message = $"Failed to determine a valid solver configuration for the set of domains on the Order: no configured challenge solvers can be used for \"{(authorization.Wildcard ? "*." : "")}{authorization.Identifier.Value}\"" +
                              (work.DnsPolicy is { } policy ? $" with spec.dnsPolicy {policy}" : "");
                _events.Record(EventRecord.Warning, EventReasons.Solver, message);
                await FinishAsync(OrderStates.Errored, message);
                return false;
            }

            var spec = new ChallengeSpec
            {
                Url = offered.Url,
                AuthorizationUrl = progress.Url,
                DnsName = authorization.Identifier.Value,
                Wildcard = authorization.Wildcard,
                Type = type!,
                Token = offered.Token,
                // HTTP-01 serves the key authorization; DNS-01 publishes its digest (cert-manager's Challenge.spec.key).
                Key = type == ChallengeTypes.Dns01 ? client.Dns01TxtValue(offered.Token) : client.KeyAuthorization(offered.Token),
                Solver = solver,
                IssuerRef = new IssuerRef { Name = work.Issuer.Issuer.Name, Kind = work.Issuer.IssuerKind, Group = IssuerRef.DefaultGroup },
            };
            var name = AcmeNames.ChallengeName(_key.Name, spec);
            var challenge = await writer.CreateResourceAsync(ResourceKind.Challenge, _key.WithName(name), new Challenge
            {
                Metadata = new ObjectMeta
                {
                    Name = name,
                    Namespace = _key.Namespace,
                    Labels = new(work.Labels),
                    Finalizers = [Finalizers.Acme],
                    OwnerReferences = [Owner(ApiOrder.GroupVersion, ApiOrder.KindName, _key.Name, State.ResourceUid!)],
                },
                Spec = spec,
            });
            // The challenge grain is started before its name is recorded: after a crash in between, the next poll
            // finds the same name (it hashes the spec), gets the existing resource and starts the grain again.
            await GrainFactory.GetGrain<IChallengeGrain>(_key.WithName(name).ToGrainKey()).StartAsync(new ChallengeWork
            {
                Issuer = work.Issuer,
                Order = _key,
                ChallengeUid = challenge.Metadata.Uid ?? "",
                Resource = challenge with { Spec = spec },
            });
            progress.ChallengeName = name;
            progress.ChallengeUrl = offered.Url;
            progress.ChallengeToken = offered.Token;
            progress.ChallengeType = type;
            await store.WriteStateAsync();
            _events.Record(EventRecord.Normal, EventReasons.Created, $"Created Challenge resource \"{name}\" for domain \"{spec.DnsName}\"");
        }
        if (changed)
            await WriteStatusAsync(); // polls that find nothing new write nothing
        return true;
    }

    /// <summary>The CA's words for why the order failed, naming each failed identifier, and those identifiers.</summary>
    private async Task<(string Reason, List<string> FailedIdentifiers)> FailureReasonAsync(AcmeClient client, AcmeOrder order)
    {
        var reasons = new List<string>();
        var failed = new List<string>();
        foreach (var progress in State.Authorizations)
        {
            var authorization = await client.GetAuthorizationAsync(progress.Url);
            foreach (var challenge in authorization.Challenges.Where(c => c.Error is not null))
            {
                reasons.Add($"{authorization.Identifier.Value}: {challenge.Error!.Detail ?? challenge.Error.Type}");
                failed.Add((authorization.Wildcard ? "*." : "") + authorization.Identifier.Value);
            }
        }
        if (reasons.Count == 0 && order.Error is { } problem)
            reasons.Add(problem.Detail ?? problem.Type);
        return (reasons.Count > 0 ? string.Join("; ", reasons) : $"the ACME server reports the order as {order.Status}", failed);
    }

    /// <summary>
    /// newOrder got 429 (or 503) with Retry-After: nothing was ordered. The wait is held on the identifier set's budget,
    /// so no order for it reaches the CA before then, and the outcome carries the time instead of counting as a failure.
    /// </summary>
    private async Task FinishRateLimitedAsync(OrderWork work, AcmeException ex)
    {
        var retryAt = clock.UtcNowInWholeSeconds() + (ex.RetryAfter ?? DefaultRateLimitWait);
        await budgets.RecordRetryAfterAsync(GrainFactory, work.Issuer.Spec.Server, BudgetOrder(work).Identifiers, retryAt, ex.Problem?.Describe() ?? ex.Message);
        var at = retryAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await FinishWaitingAsync(retryAt, $"Failed to create Order: {ex.Message}; rate limited by the ACME server, retrying after {at}");
    }

    /// <summary>
    /// Nothing was ordered and nothing should be before <paramref name="retryAt"/>: the outcome carries the time, so
    /// the Certificate waits (reason RateLimited) instead of counting a failed issuance.
    /// </summary>
    private async Task FinishWaitingAsync(DateTimeOffset retryAt, string reason)
    {
        State.RetryAt = retryAt;
        await FinishAsync(OrderStates.Errored, reason);
        // Reported: the retry after the wait may start an Order of the same name, which must begin afresh.
        await store.ClearStateAsync();
    }

    /// <summary>This order as the rate-limit budgets count it.</summary>
    private RateLimitBudgets.Order BudgetOrder(OrderWork work) => new(work.Issuer.Spec.Server, work.Issuer.AccountUrl,
        [.. work.DnsNames, .. work.IpAddresses, .. work.CommonName is { Length: > 0 } cn ? [cn] : Array.Empty<string>()], work.Renewal,
        Replaces: work.Replaces is not null && !State.ReplacesNotSent);

    /// <summary>
    /// The budgets know each order by its grain key and its CertificateRequest's uid: a repeated take or spend for it
    /// counts once, and a later request that gets an Order of the same name (a Certificate made again) is another.
    /// </summary>
    private string BudgetHolder => $"{this.GetPrimaryKeyString()}#{State.Work?.RequestUid}";

    /// <summary>
    /// A passing state (pending, processing) goes to the Order's status but waits for the next state write: after a
    /// crash the order is read from the CA again, which is what decides the next step.
    /// </summary>
    private async Task SetStateAsync(string state, string? reason)
    {
        if (State.State == state && State.Reason == reason)
            return;
        State.State = state;
        State.Reason = reason;
        await WriteStatusAsync();
    }

    private async Task FinishAsync(string state, string? reason)
    {
        State.State = state;
        State.Reason = StatusText.TruncateOrNull(reason);
        if (state != OrderStates.Valid)
        {
            State.FailureTime = clock.UtcNowInWholeSeconds();
            // No certificate came of it: whatever it reserved for one goes back.
            if (State.Work is { } work)
                await budgets.ReleaseCertificateTokensAsync(GrainFactory, BudgetOrder(work), BudgetHolder);
        }
        try
        {
            await WriteStatusAsync();
        }
        catch (ClusterWriteException ex)
        {
            // The outcome still reaches the CertificateRequest; the mirror in the cluster is best effort here.
            logger.LogWarning(ex, "Order {Namespace}/{Name}: final status not written", _key.Namespace, _key.Name);
        }
        // The outcome is recorded once, with the report: a crash before that write finishes (and reports) again,
        // which the CertificateRequest ignores once it has an outcome.
        if (State.Work is null || State.Reported)
            await store.WriteStateAsync();
        await ReportAsync();
    }

    private async Task ReportAsync()
    {
        if (State.Work is not { } work)
            return;
        if (State.Reported)
        {
            // A reminder registered again by a start racing a restart: nothing is left to do, so it goes.
            await _steps.StopAsync();
            return;
        }
        var outcome = State.State == OrderStates.Valid
            ? new RequestOutcome { State = RequestState.Issued, ChainPem = State.ChainPem, CaPem = TopOfChain(State.ChainPem!) }
            : new RequestOutcome
            {
                State = RequestState.Failed,
                Reason = CertificateRequestReasons.OrderFailed,
                Message = $"Failed to wait for order resource \"{_key.Name}\" to become ready: order is in \"{State.State}\" state: {State.Reason}",
                FailureTime = State.FailureTime,
                RetryAt = State.RetryAt,
            };
        await GrainFactory.GetGrain<ICertificateRequestGrain>(work.Request.ToGrainKey()).OrderFinishedAsync(outcome);
        State.Reported = true;
        await store.WriteStateAsync();
        await _steps.StopAsync();
    }

    /// <summary>ca.crt for an ACME certificate: the top certificate of the chain the CA sent, as cert-manager writes it.</summary>
    private static string? TopOfChain(string chainPem)
    {
        var blocks = PemBundle.Split(chainPem);
        return blocks.Count > 1 ? PemBundle.Encode(blocks[^1].Label, blocks[^1].Der) : null;
    }

    private async Task WriteStatusAsync()
    {
        await writer.WriteStatusAsync(ResourceKind.Order, _key, new OrderStatus
        {
            Url = State.OrderUrl,
            FinalizeUrl = State.FinalizeUrl,
            Authorizations = State.Authorizations.Count == 0 ? null :
            [
                .. State.Authorizations.Select(a => new Interfaces.Api.AcmeAuthorization
                {
                    Url = a.Url,
                    Identifier = a.Identifier,
                    Wildcard = a.Wildcard,
                    InitialState = a.InitialState,
                    Challenges = a.ChallengeUrl is null ? null :
                        [new Interfaces.Api.AcmeChallenge { Url = a.ChallengeUrl, Token = a.ChallengeToken ?? "", Type = a.ChallengeType ?? "" }],
                }),
            ],
            Certificate = State.ChainPem is { } chain ? System.Text.Encoding.UTF8.GetBytes(chain) : null,
            State = State.State,
            Reason = State.Reason,
            FailureTime = State.FailureTime,
        });
    }

    private ApiOrder Resource(OrderWork work) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = _key.Name,
            Namespace = _key.Namespace,
            Labels = new(work.Labels),
            Annotations = work.Annotations.Count > 0 ? new(work.Annotations) : null,
            OwnerReferences = [Owner(CertificateRequest.GroupVersion, CertificateRequest.KindName, work.Request.Name, work.RequestUid)],
        },
        Spec = OrderSpecOf(work),
    };

    /// <summary>The Order's spec: what cert-manager names and hashes the Order by.</summary>
    public static OrderSpec OrderSpecOf(OrderWork work) => new()
    {
        Request = System.Text.Encoding.UTF8.GetBytes(work.CsrPem),
        IssuerRef = new IssuerRef { Name = work.Issuer.Issuer.Name, Kind = work.Issuer.IssuerKind, Group = IssuerRef.DefaultGroup },
        CommonName = work.CommonName,
        DnsNames = work.DnsNames.Count > 0 ? [.. work.DnsNames] : null,
        IpAddresses = work.IpAddresses.Count > 0 ? [.. work.IpAddresses] : null,
        Duration = work.Duration,
        Profile = work.Issuer.Spec.Profile,
        Replaces = work.Replaces,
    };

    private static OwnerReference Owner(string apiVersion, string kind, string name, string uid) => new()
    {
        ApiVersion = apiVersion, Kind = kind, Name = name, Uid = uid, Controller = true, BlockOwnerDeletion = true,
    };
}
