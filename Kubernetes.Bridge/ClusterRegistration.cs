namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// How a cluster became a member of the fleet: the home cluster (the one the silos run in, always a member), a cluster
/// Secret in the controller's namespace, or a ClusterProfile. <see cref="Labels"/> are what FleetCertificate placements
/// select on.
/// </summary>
public sealed record ClusterRegistration(string Name, string Source, IReadOnlyDictionary<string, string> Labels)
{
    public const string HomeSource = "home";
    public const string SecretSource = "secret";
    public const string ClusterProfileSource = "clusterprofile";

    public bool IsHome => Source == HomeSource;

    /// <summary>
    /// The member's own <c>host:port</c> of the silos' HTTP-01 responder (cluster Secret annotation
    /// <c>certfleet.io/http01-endpoint</c>); null means the fleet-wide <c>CertFleet__Fleet__Http01Endpoint</c>.
    /// </summary>
    public string? Http01Endpoint { get; init; }

    public static ClusterRegistration Home(string name) =>
        new(name, HomeSource, new Dictionary<string, string>(StringComparer.Ordinal));
}
