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
/// Runs, for every cluster of the fleet, the leader election and (while leading) the watches that turn Kubernetes
/// objects into grain calls, the ingress and gateway shims, and the HTTP-01 solver Services. Clusters that join get
/// theirs started, clusters that leave have them stopped (<see cref="KubernetesClusters.Added"/>, <see cref="KubernetesClusters.Removed"/>).
/// Every cluster's Lease lives in the home cluster; the silos spread the clusters between them (<see cref="WatchSpread"/>):
/// a silo takes a new or handed-off cluster while below its fair share, and once the number of silos has stayed the same
/// for a LeaseDuration, hands off what it holds above it. Registered after UseOrleans, so it starts once the silo is up.
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
    ControllerSyncs syncs,
    IActiveSilos silos) : BackgroundService
{
    /// <summary>How long a leaving cluster's watches may take to stop before its connection is closed anyway.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    /// <summary>How long a cluster taken above the fair share (no silo below it took it) stays, unless the silos change.</summary>
    private static readonly TimeSpan LastResortHold = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, Watcher> _watchers = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<ClusterBridgeService>();
    private CancellationToken _stopping = new(canceled: true);

    /// <summary>Whether this silo runs the watches of <paramref name="cluster"/> now.</summary>
    public bool IsLeading(string cluster) => Find(cluster)?.Election.IsLeading == true;

    /// <summary>
    /// The silo (its CertFleet__Identity, e.g. the pod name) that watches <paramref name="cluster"/> now, from the
    /// cluster's Lease as this silo last read it (every silo reads every Lease each RetryPeriod); null when none does.
    /// </summary>
    public string? Watching(string cluster) => Find(cluster)?.Election.Holder;

    /// <summary>
    /// When the home cluster's API server last answered this silo's leader election (null: not yet, or the bridge has
    /// not started). Every Lease lives there, so a member's outage does not show here.
    /// </summary>
    public DateTimeOffset? HomeApiServerAnswer => Find(clusters.Home.Name)?.Election.LastAnswer;

    private Watcher? Find(string cluster)
    {
        lock (_watchers)
        {
            return _watchers.GetValueOrDefault(cluster);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_watchers)
        {
            _stopping = stoppingToken;
        }
        clusters.Added += Start;
        clusters.Removed += Stop;
        try
        {
            foreach (var connection in clusters.All)
                Start(connection);
            await RebalanceAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            clusters.Added -= Start;
            clusters.Removed -= Stop;
            List<Watcher> all;
            lock (_watchers)
            {
                all = [.. _watchers.Values];
                _watchers.Clear();
            }
            await Task.WhenAll(all.Select(watcher => watcher.Running));
        }
    }

    private void Start(ClusterConnection connection)
    {
        var watch = new ClusterWatch(connection, WatchedResources.For(connection), receiver, knownObjects, loggers, statuses, syncs);
        Watcher? watcher = null;
        // The shims start afresh each term, so nothing they remember outlives the watches that told them.
        var election = new ClusterLeaderElection(connection, clusters.Home,
            ct => Task.WhenAll(watch.RunAsync(ct), new ClusterShims(connection, events, shimOptions.Value, loggers).RunAsync(ct),
                new ClusterSolverServices(connection, events, solverOptions.Value, loggers).RunAsync(ct)),
            (state, waited) => MayAcquire(watcher!, state, waited),
            loggers.CreateLogger<ClusterLeaderElection>());
        lock (_watchers)
        {
            if (_stopping.IsCancellationRequested || _watchers.ContainsKey(connection.Name))
                return;
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            watcher = new Watcher(connection, election, stop);
            _watchers[connection.Name] = watcher;
            watcher.Running = Task.Run(() => election.RunAsync(stop.Token), CancellationToken.None);
        }
        if (!connection.Registration.IsHome)
            _logger.LogInformation("Cluster {Cluster} joined: campaigning for its Lease {Lease}", connection.Name, election.LeaseName);
    }

    /// <summary>
    /// Stops a leaving cluster's election and watches and waits for them, so that no watch request reaches it once it
    /// has left (its connection is closed right after).
    /// </summary>
    private void Stop(ClusterConnection connection)
    {
        Watcher? watcher;
        lock (_watchers)
        {
            if (!_watchers.TryGetValue(connection.Name, out watcher) || watcher.Connection != connection)
                return;
            _watchers.Remove(connection.Name);
        }
        watcher.Stop.Cancel();
        // The caller closes the connection next; the watches stop at the cancellation, the Lease's release (to the
        // home cluster) may take up to a request timeout.
        if (!watcher.Running.Wait(StopWait))
        {
            _logger.LogWarning("The watches of cluster {Cluster} did not stop within {Seconds} s of its leaving", connection.Name,
                StopWait.TotalSeconds);
            return;
        }
        _logger.LogInformation("Cluster {Cluster} left: its watches stopped", connection.Name);
        watcher.Stop.Dispose();
    }

    private bool MayAcquire(Watcher watcher, LeaseState state, TimeSpan waited)
    {
        var (held, fairShare) = Share();
        if (!WatchSpread.MayAcquire(state, held, fairShare, waited, clusters.Home.Options.LeaseDuration))
            return false;
        // Taken above the share: no silo below it did, so handing it off again would only leave it unwatched.
        watcher.LastResortAt = held < fairShare ? null : DateTimeOffset.UtcNow;
        return true;
    }

    private (int Held, int FairShare) Share()
    {
        lock (_watchers)
        {
            return (_watchers.Values.Count(w => w.Election.IsLeading && !w.Election.SteppingDown),
                WatchSpread.FairShare(_watchers.Count, silos.Count));
        }
    }

    /// <summary>
    /// Each RetryPeriod: once the number of silos has stayed the same for a LeaseDuration (a silo that just joined has
    /// started its elections by then), hands off the clusters held above the fair share, except those taken as a last
    /// resort since the silos last changed.
    /// </summary>
    private async Task RebalanceAsync(CancellationToken ct)
    {
        var options = clusters.Home.Options;
        var count = silos.Count;
        var changedAt = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(options.RetryPeriod);
        while (await timer.WaitForNextTickAsync(ct))
        {
            var now = DateTimeOffset.UtcNow;
            if (silos.Count != count)
            {
                _logger.LogInformation("{Silos} silos share the clusters' watches now (were {Before})", silos.Count, count);
                count = silos.Count;
                changedAt = now;
                lock (_watchers)
                {
                    foreach (var watcher in _watchers.Values)
                        watcher.LastResortAt = null;
                }
                continue;
            }
            if (now - changedAt < options.LeaseDuration)
                continue;

            List<Watcher> handOff;
            lock (_watchers)
            {
                var (held, fairShare) = Share();
                handOff = _watchers.Values
                    .Where(w => w.Election.IsLeading && !w.Election.SteppingDown && !(now - w.LastResortAt < LastResortHold))
                    .OrderByDescending(w => w.Connection.Name, StringComparer.Ordinal)
                    .Take(WatchSpread.Excess(held, fairShare)).ToList();
            }
            foreach (var watcher in handOff)
            {
                _logger.LogInformation("Handing cluster {Cluster} to another silo: this silo holds more than its share", watcher.Connection.Name);
                watcher.Election.StepDown();
            }
        }
    }

    private sealed class Watcher(ClusterConnection connection, ClusterLeaderElection election, CancellationTokenSource stop)
    {
        public ClusterConnection Connection { get; } = connection;
        public ClusterLeaderElection Election { get; } = election;
        public CancellationTokenSource Stop { get; } = stop;
        public Task Running { get; set; } = Task.CompletedTask;
        public DateTimeOffset? LastResortAt { get; set; }
    }
}
