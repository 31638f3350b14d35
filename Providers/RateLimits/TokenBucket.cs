namespace CertFleet.Providers.RateLimits;

/// <summary>
/// A limit as a token bucket: up to <see cref="Capacity"/> at once, refilled continuously so the full capacity
/// returns over <see cref="Period"/> (Let's Encrypt's model: 50 per 7 days is one token every 202 minutes).
/// </summary>
public sealed record BucketLimit(int Capacity, TimeSpan Period)
{
    /// <summary>Time for one token to come back.</summary>
    public TimeSpan RefillInterval => Period / Capacity;

    public override string ToString() => $"{Capacity} per {FormatPeriod(Period)}";

    private static string FormatPeriod(TimeSpan period) =>
        period.TotalDays >= 1 && period.TotalDays % 1 == 0 ? $"{period.TotalDays:0}d"
        : period.TotalHours >= 1 && period.TotalHours % 1 == 0 ? $"{period.TotalHours:0}h"
        : period.TotalMinutes % 1 == 0 ? $"{period.TotalMinutes:0}m" : $"{period.TotalSeconds:0.###}s";
}

/// <summary>Pure token-bucket arithmetic: the caller passes the time, so the same state answers the same way.</summary>
public readonly record struct TokenBucket(double Tokens, DateTimeOffset UpdatedAt)
{
    /// <summary>A bucket seen for the first time is full.</summary>
    public static TokenBucket Full(BucketLimit limit, DateTimeOffset now) => new(limit.Capacity, now);

    /// <summary>The bucket at <paramref name="now"/>: tokens refilled for the time passed, never above capacity.</summary>
    public TokenBucket At(BucketLimit limit, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limit);
        if (now <= UpdatedAt)
            return this with { Tokens = Math.Min(Tokens, limit.Capacity) };
        var refilled = Tokens + (now - UpdatedAt) / limit.RefillInterval;
        return new TokenBucket(Math.Min(refilled, limit.Capacity), now);
    }

    /// <summary>Whole tokens available now.</summary>
    public int Remaining(BucketLimit limit, DateTimeOffset now) => (int)Math.Floor(At(limit, now).Tokens + 1e-9);

    /// <summary>When at least one whole token is available: <paramref name="now"/> when one already is.</summary>
    public DateTimeOffset AvailableAt(BucketLimit limit, DateTimeOffset now)
    {
        var current = At(limit, now);
        var missing = 1 - current.Tokens;
        return missing <= 1e-9 ? now : now + limit.RefillInterval * missing;
    }

    /// <summary>Takes one token if available; the bucket is unchanged (but brought to <paramref name="now"/>) otherwise.</summary>
    public bool TryTake(BucketLimit limit, DateTimeOffset now, out TokenBucket after)
    {
        after = At(limit, now);
        if (after.Tokens + 1e-9 < 1)
            return false;
        after = after with { Tokens = Math.Max(0, after.Tokens - 1) };
        return true;
    }

    /// <summary>Takes one token whether or not one is there (a failure that already happened); never below zero.</summary>
    public TokenBucket Consume(BucketLimit limit, DateTimeOffset now)
    {
        var current = At(limit, now);
        return current with { Tokens = Math.Max(0, current.Tokens - 1) };
    }

    /// <summary>Gives a token back (the certificate it was reserved for was not issued); never above capacity.</summary>
    public TokenBucket Refund(BucketLimit limit, DateTimeOffset now)
    {
        var current = At(limit, now);
        return current with { Tokens = Math.Min(limit.Capacity, current.Tokens + 1) };
    }
}
