namespace CertFleet.KubeEmulator;

/// <summary>How to start a <see cref="KubeEmulatorServer"/>.</summary>
public sealed class KubeEmulatorOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Where to write the kubeconfig; null writes one to a temporary file that is removed on dispose.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>Bearer token clients must present; null generates a random one.</summary>
    public string? Token { get; init; }

    /// <summary>Changes kept per resource for resuming watches; older resourceVersions get 410 Expired.</summary>
    public int WatchHistoryPerResource { get; init; } = 10_000;

    /// <summary>Events queued per watch before a watcher that does not keep up is disconnected.</summary>
    public int WatchQueueLength { get; init; } = 100_000;

    /// <summary>How often a watch with allowWatchBookmarks=true receives a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Write one line per request to standard error (off by default: it costs throughput).</summary>
    public bool LogRequests { get; init; }

    /// <summary>
    /// A second client identity whose requests are recorded as the authorization questions kube-apiserver would ask
    /// RBAC (see <see cref="Audit.AccessRecord"/>); null: none.
    /// </summary>
    public AuditedClientOptions? AuditedClient { get; init; }
}

/// <summary>The audited client: its own bearer token, in a kubeconfig of its own.</summary>
/// <param name="LogPath">JSON-lines file the distinct records are appended to; null keeps them in memory only.</param>
/// <param name="User">The user name the records carry.</param>
public sealed record AuditedClientOptions(string? LogPath = null, string User = AuditedClientOptions.DefaultUser)
{
    /// <summary>Where to write the kubeconfig carrying the audited client's token; null: beside the main kubeconfig.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>What the chart's ServiceAccount authenticates as when released as "certfleet" in cert-manager.</summary>
    public const string DefaultUser = "system:serviceaccount:cert-manager:certfleet";
}
