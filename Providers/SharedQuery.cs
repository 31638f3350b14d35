namespace CertFleet.Providers;

/// <summary>
/// A query that many callers share, with the time it was started. Lazy: an instance that loses a race for a cache
/// slot never runs. Task.Run: the query must not run on the scheduler of whichever grain asked first.
/// </summary>
internal sealed class SharedQuery<T>(Func<Task<T>> query, DateTimeOffset started)
{
    private readonly Lazy<Task<T>> _task = new(() => System.Threading.Tasks.Task.Run(query));

    public DateTimeOffset Started { get; } = started;

    public Task<T> Task => _task.Value;
}
