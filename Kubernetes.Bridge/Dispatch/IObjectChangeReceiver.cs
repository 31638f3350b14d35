using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>Where watched changes go: the grains in a silo, or a recorder in tests.</summary>
public interface IObjectChangeReceiver
{
    /// <summary>Delivers one change; throwing means "try again later".</summary>
    Task ReceiveAsync(ObjectChange change, CancellationToken ct);

    /// <summary>
    /// Whether every grain <paramref name="change"/> would reach ignores it when it only shows the version of this
    /// silo's own last write (the writer's echo): such changes are then dropped before they are dispatched.
    /// </summary>
    bool IgnoresOwnEcho(ObjectChange change) => false;
}
