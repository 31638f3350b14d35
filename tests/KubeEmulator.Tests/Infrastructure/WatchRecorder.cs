using System.Collections.Concurrent;
using k8s;

namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>Reads a KubernetesClient watch in the background and records what arrives, for polling assertions.</summary>
public sealed class WatchRecorder<T> : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly ConcurrentQueue<(WatchEventType Type, T Object)> _events = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly Task _reading;

    /// <param name="open">Starts the watch, given where to report errors (ERROR events, bad lines) and the cancellation.</param>
    public WatchRecorder(Func<Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> open) =>
        _reading = ReadAsync(ct => open(_errors.Enqueue, ct));

    public IReadOnlyList<(WatchEventType Type, T Object)> Events => _events.ToList();

    public IReadOnlyList<Exception> Errors => _errors.ToList();

    /// <summary>Completes when the server ends the stream.</summary>
    public Task Completion => _reading;

    public Task WaitForAsync(Func<IReadOnlyList<(WatchEventType Type, T Object)>, bool> condition, string description) =>
        Eventually.HoldsAsync(() => Task.FromResult(condition(Events)), description);

    private async Task ReadAsync(Func<CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> stream)
    {
        await Task.Yield();
        try
        {
            await foreach (var (type, item) in stream(_stop.Token))
            {
                _events.Enqueue((type, item));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Cancelling mid-read breaks the connection on purpose.
        }
        _stop.Dispose();
    }
}
