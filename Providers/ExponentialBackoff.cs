namespace CertFleet.Providers;

/// <summary>
/// The one backoff rule of every retry and poll: delays that grow by <see cref="Factor"/> from <see cref="First"/> up to
/// <see cref="Cap"/>. With a <see cref="Jitter"/> j, each delay is drawn from [step·(1−j), step], so callers that
/// failed together do not retry together.
/// </summary>
public sealed class ExponentialBackoff
{
    public ExponentialBackoff(TimeSpan first, TimeSpan cap, double factor = 2, double jitter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(first, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, first);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        if (jitter is < 0 or > 1 || double.IsNaN(jitter))
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "The jitter is a fraction of the delay, from 0 to 1.");
        (First, Cap, Factor, Jitter) = (first, cap, factor, jitter);
    }

    public TimeSpan First { get; }
    public TimeSpan Cap { get; }
    public double Factor { get; }
    public double Jitter { get; }

    /// <summary>
    /// The delay before attempt <paramref name="attempt"/> (1 for the first retry; lower counts as 1):
    /// First·Factor^(attempt−1), at most Cap, less a random part of up to Jitter of it drawn from
    /// <paramref name="random"/> (<see cref="Random.Shared"/> when null).
    /// </summary>
    public TimeSpan Delay(int attempt, Random? random = null)
    {
        // Math.Pow may overflow to infinity for a long run of attempts; the cap takes it.
        var step = Math.Min(Cap.Ticks, First.Ticks * Math.Pow(Factor, Math.Max(attempt, 1) - 1));
        if (Jitter > 0)
            step -= step * Jitter * (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromTicks((long)step);
    }
}
