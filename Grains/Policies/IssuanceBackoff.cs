using CertFleet.Providers;

namespace CertFleet.Grains.Policies;

/// <summary>cert-manager's failure backoff: 1h·2^(attempts−1), at most 32h, counted from the last failure.</summary>
public static class IssuanceBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromHours(1);
    public static readonly TimeSpan Maximum = TimeSpan.FromHours(32);

    private static readonly ExponentialBackoff Backoff = new(Initial, Maximum);

    public static TimeSpan Delay(int failedAttempts) => failedAttempts <= 0 ? TimeSpan.Zero : Backoff.Delay(failedAttempts);

    public static DateTimeOffset? RetryAt(int failedAttempts, DateTimeOffset? lastFailure) =>
        failedAttempts > 0 && lastFailure is { } at ? at + Delay(failedAttempts) : null;
}
