using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>One kind of object the bridge watches, and the grain calls its changes become.</summary>
public sealed class WatchedResource
{
    private readonly Func<ClusterConnection, ILogger, IResourceSource> _createSource;
    private readonly Func<GrainTargets, ObjectChange, Task> _deliver;
    private readonly Func<GrainTargets, ObjectChange, bool> _ignoresOwnEcho;

    private WatchedResource(string resource, Func<ClusterConnection, ILogger, IResourceSource> createSource,
        Func<GrainTargets, ObjectChange, Task> deliver, Func<GrainTargets, ObjectChange, bool>? ignoresOwnEcho)
    {
        Resource = resource;
        _createSource = createSource;
        _deliver = deliver;
        _ignoresOwnEcho = ignoresOwnEcho ?? ((_, _) => false);
    }

    /// <summary>The name its changes carry in <see cref="ObjectChange.Resource"/>.</summary>
    public string Resource { get; }

    public IResourceSource CreateSource(ClusterConnection connection, ILogger logger) => _createSource(connection, logger);

    public Task DeliverAsync(GrainTargets targets, ObjectChange change) => _deliver(targets, change);

    /// <summary>Whether the grains this change goes to ignore it when it is only the echo of this silo's own write.</summary>
    public bool IgnoresOwnEcho(GrainTargets targets, ObjectChange change) => _ignoresOwnEcho(targets, change);

    /// <summary>
    /// A custom resource, read into <typeparamref name="T"/>; <paramref name="deleted"/> gets the uid.
    /// <paramref name="ignoresOwnEcho"/>: whether what <paramref name="changed"/> calls ignores an object that only
    /// shows this silo's own last write (none of them, when not given).
    /// </summary>
    public static WatchedResource Custom<T>(ResourceKind kind, Func<GrainTargets, ObjectKey, T, Task> changed,
        Func<GrainTargets, ObjectKey, string, Task> deleted, Func<GrainTargets, T, bool>? ignoresOwnEcho = null, string? labelSelector = null) where T : class =>
        new(CustomResourceSource.NameOf(kind),
            (connection, logger) => new CustomResourceSource(connection, kind,
                json => ApiObjects.Read<T>(json), logger, labelSelector),
            (targets, change) => change.Object is T content
                ? changed(targets, change.Key, content)
                : deleted(targets, change.Key, change.Uid),
            ignoresOwnEcho is null ? null : (targets, change) => change.Object is T content && ignoresOwnEcho(targets, content));

    /// <summary>Secrets matching <paramref name="labelSelector"/>, as metadata only.</summary>
    public static WatchedResource Secrets(string labelSelector, Func<GrainTargets, ObjectKey, SecretMetadata?, Task> changed,
        Func<GrainTargets, ObjectKey, SecretMetadata, bool> ignoresOwnEcho) =>
        new(SecretSource.Name,
            (connection, _) => new SecretSource(connection, labelSelector),
            (targets, change) => changed(targets, change.Key, change.Object as SecretMetadata),
            (targets, change) => change.Object is SecretMetadata secret && ignoresOwnEcho(targets, change.Key, secret));
}
