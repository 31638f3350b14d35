using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Shims;
using CertFleet.Kubernetes.Bridge.Solving;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// Runs, for every connected cluster, the leader election and (while leading) the watches that turn Kubernetes
/// objects into grain calls, the ingress and gateway shims, and the HTTP-01 solver Services. Registered after UseOrleans, so it starts once the
/// silo is up.
/// </summary>
public sealed class ClusterBridgeService(
    KubernetesClusters clusters,
    IObjectChangeReceiver receiver,
    IKnownObjectsStore knownObjects,
    EventRecorder events,
    IOptions<ShimOptions> shimOptions,
    IOptions<SolverServiceOptions> solverOptions,
    ILoggerFactory loggers,
    WatchedStatuses statuses,
    ControllerSyncs syncs) : BackgroundService
{
    private readonly Dictionary<string, ClusterLeaderElection> _elections = new();

    /// <summary>Whether this silo runs the watches of <paramref name="cluster"/> now.</summary>
    public bool IsLeading(string cluster)
    {
        lock (_elections)
        {
            return _elections.TryGetValue(cluster, out var election) && election.IsLeading;
        }
    }

    /// <summary>
    /// When the API server of each connected cluster last answered this silo's leader election (null: not yet, or the
    /// bridge has not started).
    /// </summary>
    public IReadOnlyList<(string Cluster, DateTimeOffset? LastAnswer)> ApiServerAnswers()
    {
        lock (_elections)
        {
            return [.. clusters.All.Select(connection =>
                (connection.Name, _elections.TryGetValue(connection.Name, out var election) ? election.LastAnswer : null))];
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(clusters.All.Select(connection =>
        {
            var watch = new ClusterWatch(connection, WatchedResources.For(connection), receiver, knownObjects, loggers, statuses, syncs);
            // The shims start afresh each term, so nothing they remember outlives the watches that told them.
            var election = new ClusterLeaderElection(connection,
                ct => Task.WhenAll(watch.RunAsync(ct), new ClusterShims(connection, events, shimOptions.Value, loggers).RunAsync(ct),
                    new ClusterSolverServices(connection, events, solverOptions.Value, loggers).RunAsync(ct)),
                loggers.CreateLogger<ClusterLeaderElection>());
            lock (_elections)
            {
                _elections[connection.Name] = election;
            }
            return election.RunAsync(stoppingToken);
        }));
}
