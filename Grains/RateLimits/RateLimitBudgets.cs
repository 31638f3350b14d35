using CertFleet.Interfaces.Grains;
using CertFleet.Providers.RateLimits;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// Maps one ACME order to the budgets it draws on and talks to their grains: consult and reserve before newOrder,
/// commit or release afterwards, count failed authorizations, and hold a CA's Retry-After on the identifier set.
/// </summary>
public sealed class RateLimitBudgets(IOptions<RateLimitOptions> options, PublicSuffixList suffixes)
{
    /// <summary>The order a Certificate is about to place, as the budgets see it.</summary>
    public sealed record Order(string Server, string AccountUrl, IReadOnlyList<string> Identifiers, bool Renewal)
    {
        public string Host => RateLimitKeys.Host(Server);
        public IReadOnlyList<string> Normalized => RateLimitKeys.Normalize(Identifiers);
    }

    private sealed record Budget(string Limit, string Key, BucketLimit? Bucket, bool Reserve)
    {
        public string GrainKey => RateLimitKeys.Grain(Limit, Key);
    }

    /// <summary>
    /// Reserves a token of every budget the order draws on for <paramref name="holder"/>, or reserves nothing and
    /// returns the wait of the budget that reopens last (as Let's Encrypt names the limit that clears last).
    /// </summary>
    public async Task<(BudgetReservation? Reservation, RateLimitWait? Wait)> ReserveAsync(IGrainFactory grains, Order order, string holder)
    {
        var budgets = BudgetsOf(order);
        RateLimitWait? latest = null;
        foreach (var budget in budgets)
        {
            var decision = await GrainOf(grains, budget).CheckAsync(budget.Bucket?.Capacity ?? 0, budget.Bucket?.Period ?? TimeSpan.Zero);
            if (!decision.Granted && (latest is null || decision.ReopensAt > latest.ReopensAt))
                latest = new RateLimitWait(budget.Limit, budget.Key, decision.ReopensAt!.Value, decision.BlockedBy);
        }
        if (latest is not null)
            return (null, latest);

        var reserved = new List<string>();
        foreach (var budget in budgets.Where(b => b.Reserve))
        {
            var decision = await GrainOf(grains, budget).TryAcquireAsync(budget.Bucket!.Capacity, budget.Bucket.Period, holder);
            if (!decision.Granted)
            {
                // Another Certificate took the last token between the check and now.
                await ReleaseAsync(grains, new BudgetReservation(holder, reserved));
                return (null, new RateLimitWait(budget.Limit, budget.Key, decision.ReopensAt!.Value, decision.BlockedBy));
            }
            reserved.Add(budget.GrainKey);
        }
        return (new BudgetReservation(holder, reserved), null);
    }

    /// <summary>The certificate was issued: every reserved token stays spent.</summary>
    public Task CommitAsync(IGrainFactory grains, BudgetReservation reservation) =>
        Task.WhenAll(reservation.BudgetGrainKeys.Select(k => grains.GetGrain<IRateLimitBudgetGrain>(k).CommitAsync(reservation.Holder)));

    /// <summary>
    /// No certificate came of it: certificate tokens come back. With <paramref name="orderPlaced"/> the new-order token
    /// stays spent, since the CA counted the order.
    /// </summary>
    public Task ReleaseAsync(IGrainFactory grains, BudgetReservation reservation, bool orderPlaced = false) =>
        Task.WhenAll(reservation.BudgetGrainKeys.Select(k =>
        {
            var budget = grains.GetGrain<IRateLimitBudgetGrain>(k);
            return orderPlaced && RateLimitKeys.Parse(k).Limit == RateLimitNames.OrdersPerAccount
                ? budget.CommitAsync(reservation.Holder)
                : budget.ReleaseAsync(reservation.Holder);
        }));

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
    /// new-orders and registered-domain limits but counts toward the exact-set and failure limits, as at Let's Encrypt.
    /// </summary>
    private List<Budget> BudgetsOf(Order order)
    {
        var limits = options.Value.For(order.Server);
        var host = order.Host;
        var identifiers = order.Normalized;
        var set = RateLimitKeys.IdentifierSet(host, identifiers);
        var account = RateLimitKeys.Account(order.AccountUrl);
        // A CA's Retry-After applies whatever limits are configured; capacity 0 means "only blocks".
        var budgets = new List<Budget> { new(RateLimitNames.CaRetryAfter, set, null, Reserve: false) };
        if (limits.AuthorizationFailuresPerIdentifier is { } failures)
            budgets.AddRange(identifiers.Select(i => new Budget(RateLimitNames.AuthorizationFailuresPerIdentifier, $"{account}/{i}", failures, Reserve: false)));
        if (limits.OrdersPerAccount is { } orders && !order.Renewal)
            budgets.Add(new Budget(RateLimitNames.OrdersPerAccount, account, orders, Reserve: true));
        if (limits.CertificatesPerRegisteredDomain is { } perDomain && !order.Renewal)
            budgets.AddRange(identifiers.Select(suffixes.RegisteredDomain).Distinct(StringComparer.Ordinal)
                .Select(domain => new Budget(RateLimitNames.CertificatesPerRegisteredDomain, $"{host}/{domain}", perDomain, Reserve: true)));
        if (limits.CertificatesPerIdentifierSet is { } perSet)
            budgets.Add(new Budget(RateLimitNames.CertificatesPerIdentifierSet, set, perSet, Reserve: true));
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
