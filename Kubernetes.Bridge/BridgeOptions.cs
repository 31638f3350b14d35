namespace CertFleet.Kubernetes.Bridge;

/// <summary>How the bridge reaches its Kubernetes cluster and how hard it may push it. Bound from <c>CertFleet</c>.</summary>
public sealed class BridgeOptions
{
    /// <summary>First part of every grain key; names this cluster inside a fleet.</summary>
    public string ClusterName { get; set; } = "local";

    /// <summary>
    /// Path of a kubeconfig file. When unset: the <c>KUBECONFIG</c> environment variable, then the in-cluster service
    /// account when running in a pod, then <c>~/.kube/config</c>.
    /// </summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Namespace of the Secrets that ClusterIssuers read (cert-manager's --cluster-resource-namespace).</summary>
    public string ClusterResourceNamespace { get; set; } = "cert-manager";

    /// <summary>Namespace of the leader-election Lease; <see cref="ClusterResourceNamespace"/> when unset.</summary>
    public string? LeaseNamespace { get; set; }

    public string LeaseName { get; set; } = "certfleet-controller";

    /// <summary>This silo's name in the Lease.</summary>
    public string Identity { get; set; } =
        Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod
            ? pod
            : $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Upper bound of one API request (watches excepted).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Upper bound of one write including its retries; below Orleans' 30 s call timeout.</summary>
    public TimeSpan WriteDeadline { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Non-watch requests in flight per cluster.</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Grain calls in flight from the watch dispatcher.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 256;

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    public string EffectiveLeaseNamespace => string.IsNullOrEmpty(LeaseNamespace) ? ClusterResourceNamespace : LeaseNamespace;
}
