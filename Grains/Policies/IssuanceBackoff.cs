using CertFleet.Providers;

namespace CertFleet.Grains.Policies;

/// <summary>
/// cert-manager's failure backoff: minimum·2^(attempts−1), at most maximum (1 h and 32 h unless configured, as
/// cert-manager's --certificate-request-minimum/maximum-backoff-duration), counted from the last failure. Unlike
/// cert-manager, while the certificate in the Secret is still valid no delay exceeds a quarter of the validity it has
/// left at the failure, so a short-lived certificate is retried several times before it expires instead of expiring
/// inside one long backoff (a 6-day certificate renewing with 53 h left would otherwise wait 32 h after its sixth failure).
/// </summary>
public sealed class IssuanceBackoff
{
    public static readonly TimeSpan DefaultMinimum = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultMaximum = TimeSpan.FromHours(32);

    /// <summary>The share of the remaining validity one delay may take.</summary>
    public const double RemainingValidityShare = 0.25;

    /// <summary>Near expiry the share of what is left would retry in a hot loop; no delay is shorter than this (or the minimum, if shorter).</summary>
    public static readonly TimeSpan ShortestValidityBoundDelay = TimeSpan.FromMinutes(5);

    public static IssuanceBackoff Default { get; } = new(DefaultMinimum, DefaultMaximum);

    private readonly ExponentialBackoff _backoff;

    public IssuanceBackoff(TimeSpan minimum, TimeSpan maximum) => _backoff = new ExponentialBackoff(minimum, maximum);

    public TimeSpan Minimum => _backoff.First;
    public TimeSpan Maximum => _backoff.Cap;

    /// <summary>
    /// The delay after <paramref name="failedAttempts"/> failures; with <paramref name="remainingValidity"/> (how long the
    /// certificate in the Secret was still valid at the last failure) at most a quarter of it.
    /// </summary>
    public TimeSpan Delay(int failedAttempts, TimeSpan? remainingValidity = null)
    {
        if (failedAttempts <= 0)
            return TimeSpan.Zero;
        var delay = _backoff.Delay(failedAttempts);
        if (remainingValidity is { } left && left > TimeSpan.Zero)
        {
            var floor = Minimum < ShortestValidityBoundDelay ? Minimum : ShortestValidityBoundDelay;
            var bound = TimeSpan.FromTicks(Math.Max((left * RemainingValidityShare).Ticks, floor.Ticks));
            if (bound < delay)
                delay = bound;
        }
        return delay;
    }

    /// <summary>When issuing may be tried again; null without a failure. <paramref name="notAfter"/> is the Secret's certificate's, if any.</summary>
    public DateTimeOffset? RetryAt(int failedAttempts, DateTimeOffset? lastFailure, DateTimeOffset? notAfter = null) =>
        failedAttempts > 0 && lastFailure is { } at ? at + Delay(failedAttempts, notAfter - at) : null;
}
