namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Delays that double from <see cref="Initial"/> up to <see cref="Max"/>. Each delay is drawn from the upper half of
/// its step, so callers that failed together do not retry together.
/// </summary>
public sealed record ExponentialBackoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>Reflectors and the dispatcher: 200 ms doubling to 30 s.</summary>
    public static ExponentialBackoff Watch { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>Writes, which must finish within one grain call.</summary>
    public static ExponentialBackoff Write { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 for the first retry).</summary>
    public TimeSpan Delay(int attempt)
    {
        var doublings = Math.Clamp(attempt - 1, 0, 30);
        var step = Math.Min(Max.Ticks, Initial.Ticks * (1L << Math.Min(doublings, 20)));
        return TimeSpan.FromTicks(step / 2 + (long)(Random.Shared.NextDouble() * (step / 2)));
    }
}
