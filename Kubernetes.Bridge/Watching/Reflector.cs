using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// Keeps one collection in view (KubernetesClient has no informer): list, then watch from the list's resourceVersion;
/// bookmarks advance it; a cut stream is watched again from the last version seen; an expired version (410) means a
/// fresh list, after which objects that vanished meanwhile are reported deleted. Other failures back off with jitter.
/// Only identity (uid, resourceVersion) is remembered per object, never the object itself. <paramref name="known"/>
/// (name → uid, from an earlier leader term) makes the first list report those of them that are gone as deleted too.
/// </summary>
public sealed class Reflector(IResourceSource source, string cluster, Action<ObjectChange> onChange, ILogger logger,
    IReadOnlyDictionary<(string Namespace, string Name), string>? known = null)
{
    // A watch that ends this fast without an event is treated as a failure, so a server that closes at once is not
    // hammered.
    private static readonly TimeSpan MinimumHealthyWatch = TimeSpan.FromSeconds(1);

    // An earlier term's objects have no version here, so the first list reports each of them again.
    private readonly Dictionary<(string Namespace, string Name), (string Uid, string ResourceVersion)> _known =
        known?.ToDictionary(entry => entry.Key, entry => (entry.Value, "")) ?? new();
    private string? _resourceVersion;

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (_resourceVersion is null)
                    await ListAsync(ct);
                var healthy = await WatchAsync(_resourceVersion!, ct);
                failures = healthy ? 0 : failures + 1;
                if (healthy)
                    continue;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsExpired: true })
            {
                // Some servers refuse an expired version with HTTP 410 instead of an ERROR event.
                logger.LogDebug("{Resource} version {ResourceVersion} expired; listing again", source.Resource, _resourceVersion);
                _resourceVersion = null;
                continue;
            }
            catch (Exception exception)
            {
                failures++;
                var error = ApiError.From(exception)?.Describe() ?? exception.Message;
                if (failures == 1)
                    logger.LogWarning("Watching {Resource} on cluster {Cluster} failed: {Error}; retrying", source.Resource, cluster, error);
                else
                    logger.LogDebug("Watching {Resource} failed again ({Failures} in a row): {Error}", source.Resource, failures, error);
            }

            try
            {
                await Task.Delay(RetryBackoffs.Watch.Delay(failures), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ListAsync(CancellationToken ct)
    {
        var snapshot = await source.ListAsync(ct);
        var listed = new HashSet<(string, string)>();
        foreach (var observed in snapshot.Objects)
        {
            listed.Add((observed.Namespace, observed.Name));
            Upsert(observed);
        }
        foreach (var (id, known) in _known.Where(entry => !listed.Contains(entry.Key)).ToList())
        {
            _known.Remove(id);
            Report(id, known.Uid, null, "");
        }
        _resourceVersion = snapshot.ResourceVersion;
        logger.LogDebug("Listed {Count} {Resource} at version {ResourceVersion}", snapshot.Objects.Count, source.Resource,
            _resourceVersion);
    }

    /// <summary>Watches once; returns whether the stream was healthy. A 410 clears the version so the next round lists.</summary>
    private async Task<bool> WatchAsync(string resourceVersion, CancellationToken ct)
    {
        Exception? streamError = null;
        void OnError(Exception exception)
        {
            if (exception is KubernetesException)
                streamError ??= exception; // an ERROR event: the server ends the stream after it
            else
                logger.LogWarning("Skipped an unreadable {Resource} watch event: {Error}", source.Resource, exception.Message);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(WatchTimeout.ClientLimit);
        var started = DateTimeOffset.UtcNow;
        var events = 0;
        try
        {
            await foreach (var (type, observed) in source.WatchAsync(resourceVersion, OnError, limit.Token))
            {
                events++;
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        Upsert(observed);
                        break;
                    case WatchEventType.Deleted:
                        Remove(observed);
                        break;
                }
                if (observed.ResourceVersion.Length > 0)
                    _resourceVersion = observed.ResourceVersion;
                if (streamError is not null)
                    break;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The client-side limit: the connection went quiet for longer than the server should allow.
            return true;
        }

        if (streamError is not null)
        {
            if (ApiError.From(streamError) is { IsExpired: true })
            {
                logger.LogDebug("{Resource} version {ResourceVersion} expired; listing again", source.Resource, _resourceVersion);
                _resourceVersion = null;
                return true;
            }
            throw streamError;
        }
        return events > 0 || DateTimeOffset.UtcNow - started >= MinimumHealthyWatch;
    }

    private void Upsert(ObservedObject observed)
    {
        var id = (observed.Namespace, observed.Name);
        if (_known.TryGetValue(id, out var known))
        {
            if (known.Uid == observed.Uid && known.ResourceVersion == observed.ResourceVersion)
                return; // already delivered (a relist or a repeated event)
            if (known.Uid != observed.Uid)
                Report(id, known.Uid, null, ""); // deleted and re-created while we were not looking
        }
        _known[id] = (observed.Uid, observed.ResourceVersion);
        if (observed.Content is not null)
            Report(id, observed.Uid, observed.Content, observed.ResourceVersion);
    }

    private void Remove(ObservedObject observed)
    {
        var id = (observed.Namespace, observed.Name);
        var uid = observed.Uid;
        if (_known.Remove(id, out var known) && uid.Length == 0)
            uid = known.Uid;
        Report(id, uid, null, "");
    }

    private void Report((string Namespace, string Name) id, string uid, object? content, string resourceVersion) =>
        onChange(new ObjectChange(source.Resource, new Interfaces.ObjectKey(cluster, id.Namespace, id.Name), uid, content, resourceVersion));
}
