namespace CertFleet.Kubernetes.Bridge.Events;

/// <summary>Allows a burst of <see cref="Burst"/> takes, then one per <see cref="RefillInterval"/>. Not thread-safe.</summary>
public sealed class TokenBucket(int burst, TimeSpan refillInterval, DateTimeOffset now)
{
    private double _tokens = burst;
    private DateTimeOffset _updated = now;

    public int Burst => burst;
    public TimeSpan RefillInterval => refillInterval;

    public bool TryTake(DateTimeOffset now)
    {
        Refill(now);
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }

    /// <summary>Full again: indistinguishable from a new bucket, so it can be forgotten.</summary>
    public bool IsFull(DateTimeOffset now)
    {
        Refill(now);
        return _tokens >= burst;
    }

    private void Refill(DateTimeOffset now)
    {
        if (now <= _updated)
            return;
        _tokens = Math.Min(burst, _tokens + (now - _updated) / refillInterval);
        _updated = now;
    }
}
