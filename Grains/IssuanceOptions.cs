namespace CertFleet.Grains;

/// <summary>Settings the grains need; bound by the Silo from the CertFleet configuration section.</summary>
public sealed class IssuanceOptions
{
    /// <summary>Namespace whose Secrets ClusterIssuers read (cert-manager's --cluster-resource-namespace).</summary>
    public string ClusterResourceNamespace { get; set; } = "cert-manager";

    /// <summary>Approve CertificateRequests as cert-manager's built-in approver does; off means another approver decides.</summary>
    public bool AutoApprove { get; set; } = true;

    /// <summary>How long a CA key pair read from its Secret is reused before it is read again.</summary>
    public TimeSpan CaKeyPairCacheTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Service in front of every silo's HTTP-01 responder, which solver Ingresses and HTTPRoutes point at.</summary>
    public string Http01SolverServiceName { get; set; } = "certfleet-solver";

    public int Http01SolverPort { get; set; } = 8089;
}
