using System.Runtime.CompilerServices;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// Wraps a real source to count its lists and to hold new watches back, as a network partition would, while the
/// test changes the cluster behind the reflector's back.
/// </summary>
public sealed class GatedSource(IResourceSource inner) : IResourceSource
{
    private volatile TaskCompletionSource _gate = Open();
    private int _lists;
    private int _waitingWatches;

    public string Resource => inner.Resource;
    public int Lists => Volatile.Read(ref _lists);
    public int WaitingWatches => Volatile.Read(ref _waitingWatches);

    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _lists);
        return inner.ListAsync(ct);
    }

    public async IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        Interlocked.Increment(ref _waitingWatches);
        await _gate.Task.WaitAsync(ct);
        Interlocked.Decrement(ref _waitingWatches);
        await foreach (var watchEvent in inner.WatchAsync(resourceVersion, onError, ct))
            yield return watchEvent;
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
