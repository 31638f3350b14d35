namespace CertFleet.Interfaces.Fleet;

/// <summary>The labels, annotations and API group of CertFleet's multi-cluster fleet.</summary>
public static class FleetNames
{
    /// <summary>CertFleet's own API group (FleetCertificate); cert-manager's kinds keep theirs.</summary>
    public const string Group = "certfleet.io";

    /// <summary>Label <c>"true"</c> on a Secret in the controller's namespace that registers a member cluster (Argo CD's shape).</summary>
    public const string ClusterSecretLabel = "certfleet.io/cluster";

    /// <summary>Annotation on a cluster Secret naming the member: the first part of its grain keys.</summary>
    public const string ClusterNameAnnotation = "certfleet.io/cluster-name";

    /// <summary>Key of a cluster Secret holding the member's kubeconfig.</summary>
    public const string KubeconfigKey = "kubeconfig";

    /// <summary>Optional key of a cluster Secret naming the kubeconfig context to use.</summary>
    public const string ContextKey = "context";

    /// <summary>
    /// Label on objects CertFleet makes for a FleetCertificate (the home Certificate, the placed Secret copies), whose
    /// value is the FleetCertificate's name; copies without it are never touched.
    /// </summary>
    public const string FleetCertificateLabel = "certfleet.io/fleet-certificate";

    /// <summary>
    /// Optional annotation on a cluster Secret: <c>host:port</c> where that member's ingress controller or Gateway reaches
    /// the silos' HTTP-01 responder (the fleet-wide default is <c>CertFleet__Fleet__Http01Endpoint</c>).
    /// </summary>
    public const string Http01EndpointAnnotation = "certfleet.io/http01-endpoint";
}
