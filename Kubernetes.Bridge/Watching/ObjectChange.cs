using CertFleet.Interfaces;

namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// What a reflector reports: <paramref name="Object"/> is the object's new content for grains, or null when the
/// object with <paramref name="Uid"/> is gone; <paramref name="ResourceVersion"/> is the version the content shows
/// ("" for deletions and when unknown).
/// </summary>
public sealed record ObjectChange(string Resource, ObjectKey Key, string Uid, object? Object, string ResourceVersion = "")
{
    public bool IsDeletion => Object is null;
}
