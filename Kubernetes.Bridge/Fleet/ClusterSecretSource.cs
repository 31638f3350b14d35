using System.Runtime.CompilerServices;
using System.Text;
using CertFleet.Interfaces.Fleet;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge.Fleet;

/// <summary>
/// The cluster Secrets of one namespace (label <see cref="FleetNames.ClusterSecretLabel"/>=true), read with their
/// kubeconfig: unlike <see cref="SecretSource"/> this keeps the data, of these few Secrets only.
/// <paramref name="listed"/> runs when the reflector starts watching, i.e. once it has delivered a full list.
/// </summary>
public sealed class ClusterSecretSource(ClusterConnection home, string ns, Action listed) : IResourceSource
{
    public const string LabelSelector = $"{FleetNames.ClusterSecretLabel}=true";

    public string Resource => "secrets";

    public async Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        var list = await home.SendAsync((client, t) => client.CoreV1.ListNamespacedSecretAsync(ns,
            labelSelector: LabelSelector, cancellationToken: t), ct);
        return new ResourceSnapshot([.. list.Items.Select(Observe)], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        // The reflector watches only after it delivered the list (or the stream before): everything listed is known.
        listed();
        var events = home.Client.CoreV1.WatchListNamespacedSecretAsync(ns, allowWatchBookmarks: true,
            labelSelector: LabelSelector, resourceVersion: resourceVersion, timeoutSeconds: WatchTimeout.NextServerSeconds(),
            onError: onError, cancellationToken: ct);
        await foreach (var (type, secret) in events)
            yield return (type, type == WatchEventType.Bookmark
                ? new ObservedObject("", "", "", secret.Metadata?.ResourceVersion ?? "", null)
                : Observe(secret));
    }

    public static ClusterSecret Read(V1Secret secret)
    {
        var metadata = secret.Metadata;
        string? Text(string key) => secret.Data?.TryGetValue(key, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;
        return new ClusterSecret(
            metadata.Name ?? "",
            metadata.Uid ?? "",
            metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : DateTimeOffset.MaxValue,
            metadata.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal),
            metadata.Annotations is { } annotations && annotations.TryGetValue(FleetNames.ClusterNameAnnotation, out var clusterName) ? clusterName : null,
            Text(FleetNames.KubeconfigKey),
            Text(FleetNames.ContextKey)?.Trim())
        {
            Http01Endpoint = metadata.Annotations is { } own && own.TryGetValue(FleetNames.Http01EndpointAnnotation, out var endpoint)
                ? endpoint.Trim()
                : null,
        };
    }

    private static ObservedObject Observe(V1Secret secret) => new(secret.Metadata.NamespaceProperty ?? "",
        secret.Metadata.Name ?? "", secret.Metadata.Uid ?? "", secret.Metadata.ResourceVersion ?? "", Read(secret));
}
