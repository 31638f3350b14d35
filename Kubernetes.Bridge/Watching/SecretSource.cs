using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// Secrets across all namespaces that match a label selector, through the client's typed CoreV1 calls. Each Secret is
/// reduced to its metadata as soon as it is read: at most one list page of Secret data is ever held.
/// </summary>
public sealed class SecretSource(ClusterConnection connection, string labelSelector) : IResourceSource
{
    private const int PageSize = 500;

    public const string Name = "secrets";

    public string Resource => Name;

    public async Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        var objects = new List<ObservedObject>();
        string? resourceVersion = null;
        string? continueToken = null;
        do
        {
            var token = continueToken;
            var page = await connection.SendAsync((client, t) => client.CoreV1.ListSecretForAllNamespacesAsync(
                continueParameter: token, labelSelector: labelSelector, limit: PageSize, cancellationToken: t), ct);
            resourceVersion ??= page.Metadata.ResourceVersion;
            continueToken = page.Metadata.ContinueProperty;
            objects.AddRange(page.Items.Select(Observe));
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ResourceSnapshot(objects, resourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        var events = connection.Client.CoreV1.WatchListSecretForAllNamespacesAsync(
            allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: WatchTimeout.NextServerSeconds(), onError: onError, cancellationToken: ct);
        await foreach (var (type, secret) in events)
            yield return (type, type == WatchEventType.Bookmark
                ? new ObservedObject("", "", "", secret.Metadata?.ResourceVersion ?? "", null)
                : Observe(secret));
    }

    private ObservedObject Observe(V1Secret secret)
    {
        var metadata = secret.Metadata;
        return new ObservedObject(metadata.NamespaceProperty ?? "", metadata.Name ?? "", metadata.Uid ?? "",
            metadata.ResourceVersion ?? "", SecretMapping.ToSecretMetadata(metadata, connection.Name));
    }
}
