using k8s;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>A collection on the API server that can be listed and then watched from the list's resourceVersion.</summary>
public interface IResourceSource
{
    /// <summary>Plural and group, e.g. "certificates.cert-manager.io"; names the source in logs and changes.</summary>
    string Resource { get; }

    Task<ResourceSnapshot> ListAsync(CancellationToken ct);

    /// <summary>
    /// Events after <paramref name="resourceVersion"/> until the server closes the stream. ERROR events (a Status
    /// object such as 410 Expired) and unreadable lines are not yielded but passed to <paramref name="onError"/>.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, CancellationToken ct);
}
