using CertFleet.Interfaces;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// What a reflector reports: <paramref name="Object"/> is the object's new content for grains, or null when the
/// object with <paramref name="Uid"/> is gone.
/// </summary>
public sealed record ObjectChange(string Resource, ObjectKey Key, string Uid, object? Object)
{
    public bool IsDeletion => Object is null;
}
