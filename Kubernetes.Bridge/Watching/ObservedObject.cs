namespace CertFleet.Kubernetes.Bridge.Watching;

/// <summary>
/// One object as a reflector sees it: its identity and version, plus what grains get from it
/// (<see cref="Content"/>: an API record or Secret metadata; null when the object could not be read).
/// </summary>
public sealed record ObservedObject(string Namespace, string Name, string Uid, string ResourceVersion, object? Content);

/// <summary>The first consistent view of a collection, and the resourceVersion to watch from.</summary>
public sealed record ResourceSnapshot(IReadOnlyList<ObservedObject> Objects, string ResourceVersion);
