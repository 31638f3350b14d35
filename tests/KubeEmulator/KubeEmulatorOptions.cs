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
}
