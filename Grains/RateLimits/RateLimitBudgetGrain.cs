using CertFleet.Grains.State;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.RateLimits;
using Microsoft.Extensions.DependencyInjection;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// One rate-limit budget as a token bucket (key <c>limit/budget-key</c>). One activation in the Orleans cluster
/// serves every Certificate that draws on it, so concurrent orders cannot overspend it. It keeps no reminder:
/// waiting Certificates hold their own, due when this budget reopens.
/// </summary>
[GrainType("ratelimitbudget")]
public sealed class RateLimitBudgetGrain(
    [PersistentState("ratelimitbudget", "certfleet")] IPersistentState<RateLimitBudgetState> store,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IRateLimitBudgetGrain
{
    /// <summary>How soon a refusal caused by open reservations is worth asking again.</summary>
    private static readonly TimeSpan ReservationRecheck = TimeSpan.FromMinutes(1);

    private RateLimitBudgetState State => store.State;

    public async Task<BudgetDecision> TryAcquireAsync(int capacity, TimeSpan period, string holder)
    {
        var now = clock.GetUtcNow();
        if (State.Reservations.ContainsKey(holder))
            return Decision(now, granted: true);
        if (Blocked(now) is { } blocked)
            return blocked;
        var limit = Apply(capacity, period, now);
        var bucket = Bucket(limit, now);
        if (!bucket.TryTake(limit, now, out var after))
            return new BudgetDecision(false, 0, ReopensAt(bucket, limit, now), null);
        Save(after);
        State.Reservations[holder] = now;
        await WriteAsync();
        return Decision(now, granted: true);
    }

    public Task<BudgetDecision> CheckAsync(int capacity, TimeSpan period)
    {
        var now = clock.GetUtcNow();
        if (Blocked(now) is { } blocked)
            return Task.FromResult(blocked);
        if (capacity < 1 || !store.RecordExists)
            return Task.FromResult(new BudgetDecision(true, capacity, null, null));
        var limit = new BucketLimit(capacity, period);
        var bucket = Bucket(limit, now);
        return Task.FromResult(bucket.Remaining(limit, now) >= 1
            ? new BudgetDecision(true, bucket.Remaining(limit, now), null, null)
            : new BudgetDecision(false, 0, ReopensAt(bucket, limit, now), null));
    }

    /// <summary>
    /// When to ask again: when a token refills, or sooner while reservations are open, since an order reserves only
    /// for the seconds to its certificate and gives back what it does not use. A waiting Certificate then sees the
    /// budget as it really is within a minute, rather than waiting a whole refill for tokens that came back.
    /// </summary>
    private DateTimeOffset ReopensAt(TokenBucket bucket, BucketLimit limit, DateTimeOffset now)
    {
        var refilled = bucket.AvailableAt(limit, now);
        var recheck = now + ReservationRecheck;
        return State.Reservations.Count > 0 && recheck < refilled ? recheck : refilled;
    }

    public async Task CommitAsync(string holder)
    {
        if (State.Reservations.Remove(holder))
            await WriteAsync();
    }

    public async Task ReleaseAsync(string holder)
    {
        if (!State.Reservations.Remove(holder))
            return;
        if (State.Capacity > 0)
        {
            var now = clock.GetUtcNow();
            var limit = new BucketLimit(State.Capacity, State.Period);
            Save(Bucket(limit, now).Refund(limit, now));
        }
        await WriteAsync();
    }

    public async Task ConsumeAsync(int capacity, TimeSpan period)
    {
        var now = clock.GetUtcNow();
        var limit = Apply(capacity, period, now);
        Save(Bucket(limit, now).Consume(limit, now));
        await WriteAsync();
    }

    public async Task SpendAsync(int capacity, TimeSpan period, string holder)
    {
        if (State.Spent.ContainsKey(holder))
            return;
        var now = clock.GetUtcNow();
        var limit = Apply(capacity, period, now);
        // A reservation's token is already out of the bucket: it only stays spent.
        if (!State.Reservations.Remove(holder))
            Save(Bucket(limit, now).Consume(limit, now));
        State.Spent[holder] = now;
        await WriteAsync();
    }

    public async Task BlockUntilAsync(DateTimeOffset until, string reason)
    {
        if (State.BlockedUntil >= until)
            return;
        State.BlockedUntil = until;
        State.BlockedBy = reason;
        await WriteAsync();
    }

    public Task<BudgetSnapshot?> GetSnapshotAsync()
    {
        if (!store.RecordExists)
            return Task.FromResult<BudgetSnapshot?>(null);
        var now = clock.GetUtcNow();
        var (limitName, server, key) = RateLimitKeys.Parse(this.GetPrimaryKeyString());
        int remaining;
        DateTimeOffset? reopensAt = null;
        if (State.Capacity > 0)
        {
            var limit = new BucketLimit(State.Capacity, State.Period);
            var bucket = Bucket(limit, now);
            remaining = bucket.Remaining(limit, now);
            if (remaining == 0)
                reopensAt = bucket.AvailableAt(limit, now);
        }
        else
        {
            remaining = 1;
        }
        if (State.BlockedUntil > now)
        {
            remaining = 0;
            reopensAt = reopensAt > State.BlockedUntil ? reopensAt : State.BlockedUntil;
        }
        return Task.FromResult<BudgetSnapshot?>(new BudgetSnapshot(server, limitName, key, State.Capacity, State.Period, remaining, reopensAt));
    }

    private BudgetDecision? Blocked(DateTimeOffset now) =>
        State.BlockedUntil is { } until && until > now ? new BudgetDecision(false, 0, until, State.BlockedBy) : null;

    private BudgetDecision Decision(DateTimeOffset now, bool granted)
    {
        if (State.Capacity < 1)
            return new BudgetDecision(granted, 0, null, null);
        var limit = new BucketLimit(State.Capacity, State.Period);
        return new BudgetDecision(granted, Bucket(limit, now).Remaining(limit, now), null, null);
    }

    /// <summary>Records the limit in force; a bucket seen for the first time starts full.</summary>
    private BucketLimit Apply(int capacity, TimeSpan period, DateTimeOffset now)
    {
        var limit = new BucketLimit(capacity, period);
        if (!store.RecordExists && State.Capacity == 0)
        {
            State.Tokens = capacity;
            State.UpdatedAt = now;
        }
        State.Capacity = capacity;
        State.Period = period;
        return limit;
    }

    private TokenBucket Bucket(BucketLimit limit, DateTimeOffset now) =>
        store.RecordExists || State.Capacity > 0 ? new TokenBucket(State.Tokens, State.UpdatedAt).At(limit, now) : TokenBucket.Full(limit, now);

    private void Save(TokenBucket bucket)
    {
        State.Tokens = bucket.Tokens;
        State.UpdatedAt = bucket.UpdatedAt;
    }

    private async Task WriteAsync()
    {
        // Reservations whose holder never came back (a crash between reserve and record) are spent after a period.
        var now = clock.GetUtcNow();
        var stale = State.Period > TimeSpan.Zero ? now - State.Period : now - TimeSpan.FromDays(7);
        foreach (var holder in State.Reservations.Where(r => r.Value < stale).Select(r => r.Key).ToList())
            State.Reservations.Remove(holder);
        // An order reports its certificate again within minutes (a crash before its record), never a period later.
        foreach (var holder in State.Spent.Where(r => r.Value < stale).Select(r => r.Key).ToList())
            State.Spent.Remove(holder);
        await store.WriteStateAsync();
        if (!State.Registered)
        {
            await GrainFactory.GetGrain<IRateLimitDirectoryGrain>(IRateLimitDirectoryGrain.SingletonKey).RegisterAsync(this.GetPrimaryKeyString());
            State.Registered = true;
            await store.WriteStateAsync();
        }
    }
}
