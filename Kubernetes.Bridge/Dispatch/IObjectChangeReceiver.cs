using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>Where watched changes go: the grains in a silo, or a recorder in tests.</summary>
public interface IObjectChangeReceiver
{
    /// <summary>Delivers one change; throwing means "try again later".</summary>
    Task ReceiveAsync(ObjectChange change, CancellationToken ct);
}
