using CertFleet.Providers;

namespace CertFleet.Grains;

/// <summary>
/// The skeleton of a grain that takes its object through steps (Order, Challenge). Each step runs in its own turn on a
/// <see cref="StepTimer"/> (a step that throws runs again after <see cref="StepTimer.RetryAfterFailure"/>); while the
/// work lasts, a reminder restarts the steps after a silo crash, so a crash only delays; polls back off. The grain
/// keeps only its steps: it calls <see cref="StartAsync"/> when work begins, <see cref="StopAsync"/> when nothing is
/// left to do, and hands its reminder to <see cref="ReminderFired"/>.
/// </summary>
public sealed class StepLoop(IGrainBase grain, Func<Task> step, ExponentialBackoff polling)
{
    private const string ReminderName = "advance";
    /// <summary>How soon a lost activation's steps go on again at the latest.</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    /// <summary>A server's hint (Retry-After) longer than the next poll is waited for, up to this many times the cap.</summary>
    private const int MaxHintInCaps = 6;

    private readonly StepTimer _timer = new(grain, step);
    private int _polls;

    /// <summary>Takes the next step after <paramref name="delay"/>, instead of any step scheduled before.</summary>
    public void Schedule(TimeSpan delay) => _timer.Schedule(delay);

    /// <summary>Steps at once, with the reminder that restarts the steps after a crash until <see cref="StopAsync"/>.</summary>
    public async Task StartAsync()
    {
        await grain.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        Schedule(TimeSpan.Zero);
    }

    /// <summary>No step is pending any more, and no reminder wakes the grain for work that is done.</summary>
    public async Task StopAsync()
    {
        _timer.Cancel();
        await grain.UnregisterReminderIfAnyAsync(ReminderName);
    }

    /// <summary>The reminder's tick: steps at once unless a step is already scheduled (it is not after a crash).</summary>
    public Task ReminderFired()
    {
        if (!_timer.IsScheduled)
            Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Polls again after the next delay of the polling backoff, or after the server's <paramref name="hint"/> when that
    /// is longer (at most <see cref="MaxHintInCaps"/> times the backoff's cap).
    /// </summary>
    public void ScheduleBackoff(TimeSpan? hint = null)
    {
        var delay = polling.Delay(++_polls);
        var longestHint = polling.Cap * MaxHintInCaps;
        if (hint is { } hinted && hinted > delay)
            delay = hinted < longestHint ? hinted : longestHint;
        Schedule(delay);
    }

    /// <summary>The next poll is a first one again (something changed that makes an answer likely soon).</summary>
    public void ResetBackoff() => _polls = 0;
}
