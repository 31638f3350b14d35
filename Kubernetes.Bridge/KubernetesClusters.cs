using CertFleet.Interfaces.Ports;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// The clusters this silo talks to, by cluster name (the first part of every <see cref="Interfaces.ObjectKey"/>): the
/// home cluster from <see cref="BridgeOptions"/>, and the fleet's members, which join and leave at runtime
/// (<see cref="Add"/>, <see cref="Remove"/>; <see cref="Added"/> and <see cref="Removed"/> tell who must start or stop).
/// </summary>
public sealed class KubernetesClusters : IDisposable
{
    private readonly Dictionary<string, ClusterConnection> _connections = new(StringComparer.Ordinal);
    private readonly ILoggerFactory _loggers;
    private readonly Lock _lock = new();

    public KubernetesClusters(IOptions<BridgeOptions> options, ILoggerFactory loggers)
    {
        _loggers = loggers;
        var local = options.Value;
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = LoadClientConfiguration(local.Kubeconfig);
        }
        catch (Exception exception) when (exception is KubeConfigException or IOException)
        {
            throw new InvalidOperationException(
                $"Cannot configure the Kubernetes client for cluster \"{local.ClusterName}\": {exception.Message}. " +
                "Set CertFleet__Kubeconfig or KUBECONFIG, or run in a pod with a service account.", exception);
        }
        Home = Add(ClusterRegistration.Home(local.ClusterName), configuration, local);
    }

    /// <summary>The cluster the silos run in: always a member, it holds the controller's namespace and Leases.</summary>
    public ClusterConnection Home { get; }

    /// <summary>Raised after a cluster joined (outside the lock).</summary>
    public event Action<ClusterConnection>? Added;

    /// <summary>Raised after a cluster left, before its connection is disposed (outside the lock).</summary>
    public event Action<ClusterConnection>? Removed;

    /// <summary>
    /// The connection to a member; a cluster that is not (or no longer) a member fails with a
    /// <see cref="ClusterWriteException"/> that <see cref="ClusterWriteException.IsNotMember"/>, before anything is sent.
    /// </summary>
    public ClusterConnection this[string clusterName]
    {
        get
        {
            lock (_lock)
            {
                return _connections.TryGetValue(clusterName, out var connection)
                    ? connection
                    : throw new ClusterWriteException($"cluster \"{clusterName}\" is not a member of the fleet (its registration was " +
                        "removed, or never made): nothing is read from or written to it")
                    { StatusCode = ClusterWriteException.NotMemberStatus };
            }
        }
    }

    public bool TryGet(string clusterName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClusterConnection? connection)
    {
        lock (_lock)
        {
            return _connections.TryGetValue(clusterName, out connection);
        }
    }

    public IReadOnlyList<ClusterConnection> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections.Values];
            }
        }
    }

    public ClusterConnection Add(ClusterRegistration registration, KubernetesClientConfiguration configuration, BridgeOptions options)
    {
        var reachability = new ApiReachability(TimeProvider.System);
        var sockets = new ClusterSockets();
        sockets.Attach(configuration);
        var connection = new ClusterConnection(registration.Name, new k8s.Kubernetes(configuration, new BufferedResponseHandler(), reachability),
            options, _loggers.CreateLogger<ClusterConnection>(), registration, reachability, sockets);
        lock (_lock)
        {
            if (!_connections.TryAdd(registration.Name, connection))
            {
                connection.Dispose();
                throw new InvalidOperationException($"a cluster named \"{registration.Name}\" is already connected");
            }
        }
        Added?.Invoke(connection);
        return connection;
    }

    /// <summary>Disconnects a member; false when none of that name is connected. The home cluster never leaves.</summary>
    public bool Remove(string clusterName)
    {
        ClusterConnection? connection;
        lock (_lock)
        {
            if (!_connections.TryGetValue(clusterName, out connection))
                return false;
            if (connection.Registration.IsHome)
                throw new InvalidOperationException($"the home cluster \"{clusterName}\" cannot leave the fleet");
            _connections.Remove(clusterName);
        }
        Removed?.Invoke(connection);
        connection.Dispose();
        return true;
    }

    /// <summary>
    /// The explicit kubeconfig, else KUBECONFIG, else the pod's service account, else ~/.kube/config; with
    /// <paramref name="context"/> instead of the file's current context when given (kubectl's --context).
    /// </summary>
    public static KubernetesClientConfiguration LoadClientConfiguration(string? kubeconfig, string? context = null)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfig))
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, currentContext: context);

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } paths)
        {
            var files = paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Where(File.Exists).Select(path => KubernetesClientConfiguration.LoadKubeConfig(path)).ToList();
            if (files.Count > 0)
                return KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(files), context);
        }

        return KubernetesClientConfiguration.IsInCluster() && context is null
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(KubernetesClientConfiguration.KubeConfigDefaultLocation, currentContext: context);
    }

    /// <summary>Merges the files of a KUBECONFIG list as kubectl does: for each name, the first file that defines it wins.</summary>
    private static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> files) => new()
    {
        ApiVersion = "v1",
        Kind = "Config",
        CurrentContext = files.Select(file => file.CurrentContext).FirstOrDefault(name => !string.IsNullOrEmpty(name)),
        Clusters = files.SelectMany(file => file.Clusters ?? []).DistinctBy(cluster => cluster.Name).ToList(),
        Users = files.SelectMany(file => file.Users ?? []).DistinctBy(user => user.Name).ToList(),
        Contexts = files.SelectMany(file => file.Contexts ?? []).DistinctBy(context => context.Name).ToList(),
    };

    public void Dispose()
    {
        foreach (var connection in All)
            connection.Dispose();
    }
}
