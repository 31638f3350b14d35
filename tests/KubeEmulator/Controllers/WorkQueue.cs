using System.Threading.Channels;

namespace CertFleet.KubeEmulator.Controllers;

/// <summary>
/// Keys to process on one background task, each queued at most once at a time (like client-go's workqueue),
/// so a burst of changes to one object is handled once.
/// </summary>
internal sealed class WorkQueue<TKey> where TKey : notnull
{
    private readonly Channel<TKey> _channel = Channel.CreateUnbounded<TKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly HashSet<TKey> _queued = [];

    public void Enqueue(TKey key)
    {
        lock (_gate)
        {
            if (!_queued.Add(key))
            {
                return;
            }
        }
        _channel.Writer.TryWrite(key);
    }

    /// <summary>Processes keys until cancelled; a failing key is dropped, since a later change will queue it again.</summary>
    public async Task RunAsync(Action<TKey> process, CancellationToken cancellation)
    {
        try
        {
            await foreach (var key in _channel.Reader.ReadAllAsync(cancellation))
            {
                lock (_gate)
                {
                    _queued.Remove(key);
                }
                try
                {
                    process(key);
                }
                catch (Exception e) when (e is Api.ApiError or InvalidOperationException)
                {
                    // The object changed under us; the change that did it queues the key again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
