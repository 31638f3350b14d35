namespace CertFleet.Grains;

/// <summary>
/// The next step of a grain that works in steps: a one-shot, non-interleaving grain timer, so each step runs in its
/// own turn and callers never wait on it. Scheduling again replaces the pending step.
/// </summary>
public sealed class StepTimer(IGrainBase grain, Func<Task> step)
{
    /// <summary>A step that threw (its storage unreachable, say) runs again this soon instead of at the grain's reminder.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    private IGrainTimer? _timer;

    public bool IsScheduled => _timer is not null;

    public void Schedule(TimeSpan delay)
    {
        _timer?.Dispose();
        _timer = grain.RegisterGrainTimer(static (self, _) => self.RunAsync(), this, new GrainTimerCreationOptions
        {
            DueTime = delay,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
    }

    public void Cancel()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task RunAsync()
    {
        _timer = null;
        try
        {
            await step();
        }
        catch when (_timer is null)
        {
            Schedule(RetryAfterFailure);
            throw;
        }
    }
}
