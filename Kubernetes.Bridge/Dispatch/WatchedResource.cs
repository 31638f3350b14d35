using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>One kind of object the bridge watches, and the grain calls its changes become.</summary>
public sealed class WatchedResource
{
    private readonly Func<ClusterConnection, ILogger, IResourceSource> _createSource;
    private readonly Func<GrainReferences, ObjectChange, Task> _deliver;

    private WatchedResource(string resource, Func<ClusterConnection, ILogger, IResourceSource> createSource,
        Func<GrainReferences, ObjectChange, Task> deliver)
    {
        Resource = resource;
        _createSource = createSource;
        _deliver = deliver;
    }

    /// <summary>The name its changes carry in <see cref="ObjectChange.Resource"/>.</summary>
    public string Resource { get; }

    public IResourceSource CreateSource(ClusterConnection connection, ILogger logger) => _createSource(connection, logger);

    public Task DeliverAsync(GrainReferences grains, ObjectChange change) => _deliver(grains, change);

    /// <summary>A custom resource, read into <typeparamref name="T"/>; <paramref name="deleted"/> gets the uid.</summary>
    public static WatchedResource Custom<T>(ResourceKind kind, Func<GrainReferences, ObjectKey, T, Task> changed,
        Func<GrainReferences, ObjectKey, string, Task> deleted, string? labelSelector = null) where T : class =>
        new(CustomResourceSource.NameOf(kind),
            (connection, logger) => new CustomResourceSource(connection, kind,
                json => ApiObjects.Read<T>(json), logger, labelSelector),
            (grains, change) => change.Object is T content
                ? changed(grains, change.Key, content)
                : deleted(grains, change.Key, change.Uid));

    /// <summary>Secrets matching <paramref name="labelSelector"/>, as metadata only.</summary>
    public static WatchedResource Secrets(string labelSelector, Func<GrainReferences, ObjectKey, SecretMetadata?, Task> changed) =>
        new(SecretSource.Name,
            (connection, _) => new SecretSource(connection, labelSelector),
            (grains, change) => changed(grains, change.Key, change.Object as SecretMetadata));
}
