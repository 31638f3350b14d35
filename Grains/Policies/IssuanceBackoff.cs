namespace CertFleet.Grains.Policies;

/// <summary>cert-manager's failure backoff: 1h·2^(attempts−1), at most 32h, counted from the last failure.</summary>
public static class IssuanceBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromHours(1);
    public static readonly TimeSpan Maximum = TimeSpan.FromHours(32);

    public static TimeSpan Delay(int failedAttempts)
    {
        if (failedAttempts <= 0) return TimeSpan.Zero;
        var exponent = Math.Min(failedAttempts - 1, 6); // 2^5 = 32h already hits the cap
        var delay = Initial * Math.Pow(2, exponent);
        return delay > Maximum ? Maximum : delay;
    }

    public static DateTimeOffset? RetryAt(int failedAttempts, DateTimeOffset? lastFailure) =>
        failedAttempts > 0 && lastFailure is { } at ? at + Delay(failedAttempts) : null;
}
