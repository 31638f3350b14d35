using System.Threading.Channels;
using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// The objects of one watched resource that grains have heard of, kept in an <see cref="IKnownObjectsStore"/> so the
/// next leader term can tell which of them were deleted while no silo led (its reflector starts from them). A change
/// of an object the store does not know yet (a new name, or a new uid) is held until a batch with it is stored, so no
/// grain keeps state for an object that a later term could not report deleted. An object is forgotten only once its
/// deletion was delivered. Batches gather for <see cref="BatchWindow"/>, so a flood of new objects costs one write per
/// touched shard per window, not one per object.
/// </summary>
public sealed class KnownObjects(IKnownObjectsStore store, string cluster, string resource, Action<ObjectChange> deliver, ILogger logger)
{
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(200);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _uids = new();
    private readonly Dictionary<string, Held> _held = new();
    private readonly Channel<bool> _unsavedSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Dictionary<string, string?> _unsaved = new();
    private long _nextBatch;

    /// <summary>Reads what earlier terms stored (retrying while the store is unavailable): (namespace, name) → uid.</summary>
    public async Task<IReadOnlyDictionary<(string Namespace, string Name), string>> LoadAsync(CancellationToken ct)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                var stored = await store.LoadAsync(cluster, resource).WaitAsync(ct);
                lock (_lock)
                {
                    foreach (var (id, uid) in stored)
                        _uids[id] = uid;
                }
                logger.LogDebug("{Count} {Resource} known from earlier leader terms", stored.Count, resource);
                return stored.ToDictionary(entry => Split(entry.Key), entry => entry.Value);
            }
            catch (Exception exception) when (!ct.IsCancellationRequested)
            {
                if (failures == 1)
                    logger.LogWarning("Reading the known {Resource} of cluster {Cluster} failed: {Error}; retrying before watching them",
                        resource, cluster, exception.Message);
                await Task.Delay(RetryBackoffs.Watch.Delay(failures), ct);
            }
        }
    }

    /// <summary>A change from the reflector: delivered now, or once the store knows its object.</summary>
    public void Observe(ObjectChange change)
    {
        var id = IdOf(change.Key);
        lock (_lock)
        {
            if (!change.IsDeletion && (!_uids.TryGetValue(id, out var uid) || uid != change.Uid))
            {
                _uids[id] = change.Uid;
                _unsaved[id] = change.Uid;
                if (!_held.TryGetValue(id, out var held))
                    _held[id] = held = new Held();
                held.Batch = _nextBatch;
                held.Changes.Add(change);
                _unsavedSignal.Writer.TryWrite(true);
                return;
            }
            // Later changes of a held object wait behind it, so they are delivered in order.
            if (_held.TryGetValue(id, out var waiting))
            {
                waiting.Changes.Add(change);
                return;
            }
        }
        deliver(change);
    }

    /// <summary>A change reached its grain; a delivered deletion lets the store forget the object.</summary>
    public void Delivered(ObjectChange change)
    {
        if (!change.IsDeletion)
            return;
        var id = IdOf(change.Key);
        lock (_lock)
        {
            // A newer object of the same name (another uid) stays known.
            if (!_uids.TryGetValue(id, out var uid) || (change.Uid.Length > 0 && uid != change.Uid))
                return;
            _uids.Remove(id);
            _unsaved[id] = null;
            _unsavedSignal.Writer.TryWrite(true);
        }
    }

    /// <summary>Stores batches and releases the changes they held, until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await _unsavedSignal.Reader.ReadAsync(ct);
                await Task.Delay(BatchWindow, ct);
                Dictionary<string, string?> batch;
                long number;
                lock (_lock)
                {
                    (batch, _unsaved) = (_unsaved, new Dictionary<string, string?>());
                    number = _nextBatch++;
                }
                if (batch.Count > 0)
                    await SaveAsync(batch, ct);

                var released = new List<ObjectChange>();
                lock (_lock)
                {
                    foreach (var (id, held) in _held.Where(entry => entry.Value.Batch <= number).ToList())
                    {
                        released.AddRange(held.Changes);
                        _held.Remove(id);
                    }
                }
                released.ForEach(deliver);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task SaveAsync(Dictionary<string, string?> batch, CancellationToken ct)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                await store.ApplyAsync(cluster, resource, batch).WaitAsync(ct);
                return;
            }
            catch (Exception exception) when (!ct.IsCancellationRequested)
            {
                if (failures == 1 || failures % 10 == 0)
                    logger.LogWarning("Storing {Count} known {Resource} of cluster {Cluster} failed ({Failures} in a row): {Error}; " +
                                      "new objects wait until it succeeds", batch.Count, resource, cluster, failures, exception.Message);
                await Task.Delay(RetryBackoffs.Watch.Delay(failures), ct);
            }
        }
    }

    private static string IdOf(ObjectKey key) => $"{key.Namespace}/{key.Name}";

    private static (string Namespace, string Name) Split(string id)
    {
        var slash = id.IndexOf('/');
        return (id[..slash], id[(slash + 1)..]);
    }

    private sealed class Held
    {
        public readonly List<ObjectChange> Changes = [];

        /// <summary>The batch that must be stored before these changes go out.</summary>
        public long Batch;
    }
}
