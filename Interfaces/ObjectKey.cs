namespace CertFleet.Interfaces;

/// <summary>
/// Names one Kubernetes object in one cluster of the fleet. Grain keys are built from it, so a fleet is a key prefix.
/// Cluster-scoped objects have an empty <see cref="Namespace"/> and use "-" in the grain key.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.ObjectKey")]
public sealed record ObjectKey(
    [property: Id(0)] string Cluster,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name)
{
    private const string ClusterScopedMarker = "-";

    public bool IsClusterScoped => Namespace.Length == 0;

    public string ToGrainKey() => $"{Cluster}/{(IsClusterScoped ? ClusterScopedMarker : Namespace)}/{Name}";

    public static ObjectKey FromGrainKey(string key)
    {
        var parts = key.Split('/', 3);
        if (parts.Length != 3)
            throw new ArgumentException($"grain key \"{key}\" is not of the form cluster/namespace/name", nameof(key));
        return new ObjectKey(parts[0], parts[1] == ClusterScopedMarker ? "" : parts[1], parts[2]);
    }

    public ObjectKey WithName(string name) => this with { Name = name };

    public override string ToString() => IsClusterScoped ? Name : $"{Namespace}/{Name}";
}
