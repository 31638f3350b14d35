using CertFleet.Interfaces.Grains;
using CertFleet.Providers.RateLimits;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// Maps one ACME order to the budgets it draws on and talks to their grains, counting as Let's Encrypt counts. The
/// budgets are only consulted until newOrder is about to be sent; then the order reserves its tokens (new order, and
/// certificates per registered domain and per exact set). A new order the CA refused gives everything back. Certificate
/// tokens are held only while the order is on its way to a certificate: an order that waits for its challenges gives
/// them back (and takes them again before finalize), a failed one gives them back, and an issued one spends them. So a
/// Certificate that never reaches the CA, or whose names are never validated, holds nothing another namespace needs.
/// Failed authorizations are counted, and a CA's Retry-After is held on the identifier set.
/// </summary>
public sealed class RateLimitBudgets(IOptions<RateLimitOptions> options, PublicSuffixList suffixes)
{
    /// <summary>
    /// The order a Certificate is about to place, as the budgets see it. <paramref name="Replaces"/>: an ARI renewal
    /// sending "replaces" (RFC 9773), which Let's Encrypt exempts from all its limits.
    /// </summary>
    public sealed record Order(string Server, string AccountUrl, IReadOnlyList<string> Identifiers, bool Renewal, bool Replaces = false)
    {
        public string Host => RateLimitKeys.Host(Server);
        public IReadOnlyList<string> Normalized => RateLimitKeys.Normalize(Identifiers);
    }

    /// <summary>When a budget's token is spent: never (it only blocks, or counts failures elsewhere), at newOrder, or at issuance.</summary>
    private enum Spent { Never, AtNewOrder, AtIssuance }

    private sealed record Budget(string Limit, string Key, BucketLimit? Bucket, Spent When)
    {
        public string GrainKey => RateLimitKeys.Grain(Limit, Key);
    }

    /// <summary>
    /// Consults every budget the order draws on without taking anything: null when all have a token, otherwise the
    /// wait of the budget that reopens last (as Let's Encrypt names the limit that clears last).
    /// </summary>
    public Task<RateLimitWait?> CheckAsync(IGrainFactory grains, Order order) => LatestWaitAsync(grains, BudgetsOf(order));

    /// <summary>
    /// Right before newOrder is sent: reserves the order's new-order and certificate tokens for <paramref name="holder"/>
    /// (the same holder again takes nothing more), or nothing and says how long to wait.
    /// </summary>
    public async Task<RateLimitWait?> TakeNewOrderAsync(IGrainFactory grains, Order order, string holder)
    {
        var budgets = BudgetsOf(order);
        if (await LatestWaitAsync(grains, budgets.Where(b => b.When == Spent.Never)) is { } wait)
            return wait;
        return await ReserveAsync(grains, budgets.Where(b => b.When != Spent.Never), holder);
    }

    /// <summary>
    /// newOrder was answered: the CA counted an order it <paramref name="created"/> (its certificate tokens stay
    /// reserved for it); one it refused (or never received) gives every token back.
    /// </summary>
    public Task NewOrderAnsweredAsync(IGrainFactory grains, Order order, string holder, bool created) => created
        ? Task.WhenAll(BudgetsOf(order).Where(b => b.When == Spent.AtNewOrder).Select(b => GrainOf(grains, b).CommitAsync(holder)))
        : Task.WhenAll(BudgetsOf(order).Where(b => b.When != Spent.Never).Select(b => GrainOf(grains, b).ReleaseAsync(holder)));

    /// <summary>Before finalize: the certificate tokens, reserved again if the order gave them back while it waited.</summary>
    public Task<RateLimitWait?> TakeCertificateTokensAsync(IGrainFactory grains, Order order, string holder) =>
        ReserveAsync(grains, BudgetsOf(order).Where(b => b.When == Spent.AtIssuance), holder);

    /// <summary>No certificate is coming soon (the order waits for its challenges) or at all (it failed): the certificate tokens come back.</summary>
    public Task ReleaseCertificateTokensAsync(IGrainFactory grains, Order order, string holder) =>
        Task.WhenAll(BudgetsOf(order).Where(b => b.When == Spent.AtIssuance).Select(b => GrainOf(grains, b).ReleaseAsync(holder)));

    /// <summary>The CA issued the certificate: its certificate tokens are spent (reserved or not), once per <paramref name="holder"/>.</summary>
    public Task RecordIssuedAsync(IGrainFactory grains, Order order, string holder) =>
        Task.WhenAll(BudgetsOf(order).Where(b => b.When == Spent.AtIssuance)
            .Select(b => GrainOf(grains, b).SpendAsync(b.Bucket!.Capacity, b.Bucket.Period, holder)));

    /// <summary>
    /// Gives back a reservation recorded in a Certificate's state by an earlier version, which reserved every token
    /// before ordering: its certificate tokens come back (they are now spent when the certificate is issued); with
    /// <paramref name="orderPlaced"/> the new-order token stays spent, since the CA counted the order.
    /// </summary>
    public Task ReleaseAsync(IGrainFactory grains, BudgetReservation reservation, bool orderPlaced) =>
        Task.WhenAll(reservation.BudgetGrainKeys.Select(k =>
        {
            var budget = grains.GetGrain<IRateLimitBudgetGrain>(k);
            return orderPlaced && RateLimitKeys.Parse(k).Limit == RateLimitNames.OrdersPerAccount
                ? budget.CommitAsync(reservation.Holder)
                : budget.ReleaseAsync(reservation.Holder);
        }));

    /// <summary>Reserves a token of each budget for the holder, or none (those taken go back) and the wait.</summary>
    private static async Task<RateLimitWait?> ReserveAsync(IGrainFactory grains, IEnumerable<Budget> budgets, string holder)
    {
        var taken = new List<Budget>();
        foreach (var budget in budgets)
        {
            var decision = await GrainOf(grains, budget).TryAcquireAsync(budget.Bucket!.Capacity, budget.Bucket.Period, holder);
            if (!decision.Granted)
            {
                await Task.WhenAll(taken.Select(b => GrainOf(grains, b).ReleaseAsync(holder)));
                return new RateLimitWait(budget.Limit, budget.Key, decision.ReopensAt!.Value, decision.BlockedBy);
            }
            taken.Add(budget);
        }
        return null;
    }

    private static async Task<RateLimitWait?> LatestWaitAsync(IGrainFactory grains, IEnumerable<Budget> budgets)
    {
        RateLimitWait? latest = null;
        foreach (var budget in budgets)
        {
            var decision = await GrainOf(grains, budget).CheckAsync(budget.Bucket?.Capacity ?? 0, budget.Bucket?.Period ?? TimeSpan.Zero);
            if (!decision.Granted && (latest is null || decision.ReopensAt > latest.ReopensAt))
                latest = new RateLimitWait(budget.Limit, budget.Key, decision.ReopensAt!.Value, decision.BlockedBy);
        }
        return latest;
    }

    /// <summary>Each identifier whose authorization failed spends a token of its per-account failure budget.</summary>
    public Task RecordAuthorizationFailuresAsync(IGrainFactory grains, string server, string accountUrl, IEnumerable<string> identifiers)
    {
        if (options.Value.For(server).AuthorizationFailuresPerIdentifier is not { } limit)
            return Task.CompletedTask;
        var account = RateLimitKeys.Account(accountUrl);
        return Task.WhenAll(RateLimitKeys.Normalize(identifiers).Select(identifier => grains
            .GetGrain<IRateLimitBudgetGrain>(RateLimitKeys.Grain(RateLimitNames.AuthorizationFailuresPerIdentifier, $"{account}/{identifier}"))
            .ConsumeAsync(limit.Capacity, limit.Period)));
    }

    /// <summary>The CA answered 429: no order for this identifier set reaches it before <paramref name="until"/>.</summary>
    public Task RecordRetryAfterAsync(IGrainFactory grains, string server, IEnumerable<string> identifiers, DateTimeOffset until, string detail) =>
        grains.GetGrain<IRateLimitBudgetGrain>(RateLimitKeys.Grain(RateLimitNames.CaRetryAfter,
                RateLimitKeys.IdentifierSet(RateLimitKeys.Host(server), RateLimitKeys.Normalize(identifiers))))
            .BlockUntilAsync(until, detail);

    /// <summary>
    /// The budgets of one order. A renewal (the same identifier set as the certificate already issued) skips the
    /// new-orders and registered-domain limits but counts toward the exact-set and failure limits, as at Let's Encrypt;
    /// an ARI renewal carrying "replaces" counts toward none.
    /// </summary>
    private List<Budget> BudgetsOf(Order order)
    {
        var limits = options.Value.For(order.Server);
        var host = order.Host;
        var identifiers = order.Normalized;
        var set = RateLimitKeys.IdentifierSet(host, identifiers);
        var account = RateLimitKeys.Account(order.AccountUrl);
        // A CA's Retry-After applies whatever limits are configured; capacity 0 means "only blocks".
        var budgets = new List<Budget> { new(RateLimitNames.CaRetryAfter, set, null, Spent.Never) };
        if (order.Replaces)
            return budgets; // exempt from every limit; only the CA's own Retry-After still holds it back
        if (limits.AuthorizationFailuresPerIdentifier is { } failures)
            budgets.AddRange(identifiers.Select(i => new Budget(RateLimitNames.AuthorizationFailuresPerIdentifier, $"{account}/{i}", failures, Spent.Never)));
        // Keyed by the account (its URL), never by server or namespace: two accounts on one CA have a budget each.
        if (limits.OrdersPerAccount is { } orders && !order.Renewal)
            budgets.Add(new Budget(RateLimitNames.OrdersPerAccount, account, orders, Spent.AtNewOrder));
        if (limits.CertificatesPerRegisteredDomain is { } perDomain && !order.Renewal)
            budgets.AddRange(identifiers.Select(suffixes.RegisteredDomain).Distinct(StringComparer.Ordinal)
                .Select(domain => new Budget(RateLimitNames.CertificatesPerRegisteredDomain, $"{host}/{domain}", perDomain, Spent.AtIssuance)));
        if (limits.CertificatesPerIdentifierSet is { } perSet)
            budgets.Add(new Budget(RateLimitNames.CertificatesPerIdentifierSet, set, perSet, Spent.AtIssuance));
        return budgets;
    }

    private static IRateLimitBudgetGrain GrainOf(IGrainFactory grains, Budget budget) =>
        grains.GetGrain<IRateLimitBudgetGrain>(budget.GrainKey);

    /// <summary>The condition message for a wait: the budget, its key and when it reopens (RFC 3339).</summary>
    public static string Describe(RateLimitWait wait)
    {
        var at = wait.ReopensAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return wait.BlockedBy is { } why
            ? $"The ACME server answered 429 (rate limited) for \"{wait.Key}\": {why}; nothing is ordered before {at}, when it will be retried"
            : $"Rate-limit budget {wait.Limit} for \"{wait.Key}\" is spent; nothing is ordered until it reopens at {at}";
    }
}
