namespace CertFleet.Kubernetes.Bridge.Fleet;

/// <summary>
/// What the registration source reads from one cluster Secret. <see cref="Kubeconfig"/> is a credential: it stays in
/// the bridge's memory (never in grain state, logs or Events), which is why <see cref="ToString"/> leaves it out.
/// </summary>
public sealed record ClusterSecret(
    string SecretName,
    string Uid,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Labels,
    string? ClusterName,
    string? Kubeconfig,
    string? Context)
{
    /// <summary>Annotation <see cref="Interfaces.Fleet.FleetNames.Http01EndpointAnnotation"/>: the member's own address of the silos' HTTP-01 responder.</summary>
    public string? Http01Endpoint { get; init; }

    public override string ToString() => $"cluster Secret {SecretName} (cluster \"{ClusterName}\")";
}
