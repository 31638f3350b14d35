using System.Runtime.CompilerServices;
using System.Text.Json;
using CertFleet.Interfaces.Ports;
using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// A custom resource across all namespaces, through the client's CustomObjects list and watch-list calls: unlike
/// GenericClient they take a resourceVersion and bookmarks, which resuming a watch needs, and they yield raw JSON that
/// <paramref name="read"/> turns into the record grains receive. With <paramref name="ns"/>, only that namespace (which
/// needs list and watch there only); any API group works, core excepted.
/// </summary>
public sealed class CustomResourceSource(
    ClusterConnection connection,
    ResourceKind kind,
    Func<JsonElement, object> read,
    ILogger logger,
    string? labelSelector = null,
    string? ns = null) : IResourceSource
{
    private const int PageSize = 500;

    public string Resource { get; } = NameOf(kind);

    /// <summary>"certificates.cert-manager.io": plural and group, as kubectl names resources.</summary>
    public static string NameOf(ResourceKind kind) => $"{kind.Plural}.{kind.Group}";

    public async Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        var objects = new List<ObservedObject>();
        string? resourceVersion = null;
        string? continueToken = null;
        do
        {
            var token = continueToken;
            var page = await connection.SendAsync((client, t) => ns is null
                ? client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural,
                    continueParameter: token, labelSelector: labelSelector, limit: PageSize, cancellationToken: t)
                : client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural,
                    continueParameter: token, labelSelector: labelSelector, limit: PageSize, cancellationToken: t), ct);
            var list = page is JsonElement element ? element : throw new JsonException($"{Resource} list is not JSON");
            var metadata = list.GetProperty("metadata");
            // All pages of one list share the first page's snapshot.
            resourceVersion ??= metadata.GetProperty("resourceVersion").GetString();
            continueToken = metadata.TryGetProperty("continue", out var next) ? next.GetString() : null;
            if (list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
                objects.AddRange(items.EnumerateArray().Select(Observe));
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ResourceSnapshot(objects, resourceVersion ?? throw new JsonException($"{Resource} list has no resourceVersion"));
    }

    public async IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        var events = ns is null
            ? connection.Client.CustomObjects.WatchListClusterCustomObjectAsync(
                kind.Group, kind.Version, kind.Plural, allowWatchBookmarks: true, labelSelector: labelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: WatchTimeout.NextServerSeconds(), onError: onError,
                cancellationToken: ct)
            : connection.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                kind.Group, kind.Version, ns, kind.Plural, allowWatchBookmarks: true, labelSelector: labelSelector,
                resourceVersion: resourceVersion, timeoutSeconds: WatchTimeout.NextServerSeconds(), onError: onError,
                cancellationToken: ct);
        await foreach (var (type, item) in events)
        {
            // The client reads custom objects into JsonElement, typed as object.
            var element = item is JsonElement json ? json : throw new JsonException($"{Resource} watch event is not JSON");
            yield return (type, type == WatchEventType.Bookmark ? ObserveBookmark(element) : Observe(element));
        }
    }

    private ObservedObject Observe(JsonElement item)
    {
        var metadata = item.GetProperty("metadata");
        var ns = StringOf(metadata, "namespace");
        var name = StringOf(metadata, "name");
        object? content = null;
        try
        {
            content = read(item);
        }
        catch (Exception exception)
        {
            // One malformed object must not stall the whole watch.
            logger.LogWarning("{Kind} {Namespace}/{Name} cannot be read and is ignored until it changes: {Error}",
                kind.Kind, ns, name, exception.Message);
        }
        return new ObservedObject(ns, name, StringOf(metadata, "uid"), StringOf(metadata, "resourceVersion"), content);
    }

    private static ObservedObject ObserveBookmark(JsonElement item) =>
        new("", "", "", StringOf(item.GetProperty("metadata"), "resourceVersion"), null);

    private static string StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
