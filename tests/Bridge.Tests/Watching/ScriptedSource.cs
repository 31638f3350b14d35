using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Watching;

/// <summary>
/// A source whose lists and watch streams the test scripts: each list answers the next queued snapshot, and each
/// watch reads the events pushed until the test cuts the stream or sends an ERROR.
/// </summary>
public sealed class ScriptedSource : IResourceSource
{
    private readonly Queue<ResourceSnapshot> _snapshots = new();
    private Channel<Func<Action<Exception>, (WatchEventType, ObservedObject)?>> _stream = NewStream();

    public string Resource => "widgets.test";
    public List<string> WatchedFrom { get; } = [];
    public int Lists { get; private set; }

    public void QueueList(string resourceVersion, params ObservedObject[] objects)
    {
        lock (_snapshots)
            _snapshots.Enqueue(new ResourceSnapshot(objects, resourceVersion));
    }

    public void Push(WatchEventType type, ObservedObject observed) => _stream.Writer.TryWrite(_ => (type, observed));

    /// <summary>An ERROR event with this code (410 = the version expired); the server then ends the stream.</summary>
    public void PushError(int code)
    {
        _stream.Writer.TryWrite(onError =>
        {
            onError(new KubernetesException(new V1Status { Code = code, Reason = code == 410 ? "Expired" : "InternalError" }));
            return null;
        });
        Cut();
    }

    /// <summary>The connection ends, as a watch timeout or a restarting API server ends it.</summary>
    public void Cut()
    {
        var cut = _stream;
        _stream = NewStream();
        cut.Writer.TryComplete();
    }

    public Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        lock (_snapshots)
        {
            Lists++;
            return _snapshots.TryDequeue(out var snapshot)
                ? Task.FromResult(snapshot)
                : Task.FromException<ResourceSnapshot>(new HttpRequestException("no list scripted"));
        }
    }

    public async IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        lock (WatchedFrom)
            WatchedFrom.Add(resourceVersion);
        await foreach (var next in _stream.Reader.ReadAllAsync(ct))
        {
            if (next(onError) is { } watchEvent)
                yield return watchEvent;
        }
    }

    private static Channel<Func<Action<Exception>, (WatchEventType, ObservedObject)?>> NewStream() =>
        Channel.CreateUnbounded<Func<Action<Exception>, (WatchEventType, ObservedObject)?>>();
}
