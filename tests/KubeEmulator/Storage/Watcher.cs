using System.Threading.Channels;
using CertFleet.KubeEmulator.Api;

namespace CertFleet.KubeEmulator.Storage;

/// <summary>Something a watch stream sends.</summary>
internal abstract record WatchMessage;

/// <summary>ADDED, MODIFIED or DELETED with the object.</summary>
internal sealed record ObjectMessage(string Type, StoredObject Object) : WatchMessage;

/// <summary>A BOOKMARK: everything up to this resourceVersion has been sent.</summary>
internal sealed record BookmarkMessage(long ResourceVersion, bool InitialEventsEnd) : WatchMessage;

/// <summary>An ERROR event carrying a Status; the stream ends after it.</summary>
internal sealed record ErrorMessage(ApiError Error) : WatchMessage;

/// <summary>
/// One open watch: its filter and a bounded queue between the committing writer and the HTTP stream. A watcher
/// that falls a whole queue behind is closed, like the apiserver closes slow watchers; its client re-lists.
/// </summary>
internal sealed class Watcher
{
    private readonly Channel<WatchMessage> _queue;
    private readonly Func<StoredObject, bool> _matches;

    public Watcher(string? ns, Func<StoredObject, bool> matches, int capacity)
    {
        Namespace = ns;
        _matches = matches;
        _queue = Channel.CreateBounded<WatchMessage>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = false, // Expire drains the backlog from the writer's side
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Only objects in this namespace, or all when null.</summary>
    public string? Namespace { get; }

    public ChannelReader<WatchMessage> Reader => _queue.Reader;

    public bool IsClosed { get; private set; }

    /// <summary>The stream should end as a broken connection rather than a clean end of response.</summary>
    public bool Aborted { get; private set; }

    /// <summary>
    /// What this watcher sees of a change: selector transitions turn into ADDED/DELETED, as in the apiserver's
    /// cacher. Null when the change is invisible to it.
    /// </summary>
    public ObjectMessage? Translate(WatchChange change)
    {
        if (Namespace is not null && change.Object.Key.Namespace != Namespace)
        {
            return null;
        }
        var now = _matches(change.Object);
        switch (change.Type)
        {
            case ChangeType.Added:
                return now ? new ObjectMessage("ADDED", change.Object) : null;
            case ChangeType.Deleted:
                return now ? new ObjectMessage("DELETED", change.Object) : null;
        }
        var before = change.Previous is not null && _matches(change.Previous);
        return (before, now) switch
        {
            (true, true) => new ObjectMessage("MODIFIED", change.Object),
            (false, true) => new ObjectMessage("ADDED", change.Object),
            (true, false) => new ObjectMessage("DELETED", change.Leaving),
            _ => null,
        };
    }

    /// <summary>Queues a change; returns false when the watcher is (now) closed. Called under the resource lock.</summary>
    public bool Offer(WatchChange change) => Translate(change) is not { } message || Enqueue(message);

    public bool Enqueue(WatchMessage message)
    {
        if (IsClosed)
        {
            return false;
        }
        if (!_queue.Writer.TryWrite(message))
        {
            Close();
        }
        return !IsClosed;
    }

    /// <summary>Sends a 410 ERROR and ends the stream.</summary>
    public void Expire(string message)
    {
        if (!IsClosed)
        {
            // The error must get through even to a full queue, so it replaces the backlog.
            while (_queue.Reader.TryRead(out _))
            {
            }
            _queue.Writer.TryWrite(new ErrorMessage(ApiError.Expired(message)));
        }
        Close();
    }

    /// <summary>Ends the stream cleanly once the queued messages are sent.</summary>
    public void Close()
    {
        IsClosed = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>Breaks the stream at once, as a dropped connection would.</summary>
    public void Abort()
    {
        Aborted = true;
        Close();
    }
}
