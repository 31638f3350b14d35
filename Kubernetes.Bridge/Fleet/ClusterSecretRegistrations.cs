using System.Collections.Frozen;
using System.Threading.Channels;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Kubernetes.Bridge.Fleet;

/// <summary>
/// Makes the fleet's members from the cluster Secrets in the controller's namespace of the home cluster
/// (<see cref="BridgeOptions.ClusterResourceNamespace"/>), on every silo, since every silo talks to every member:
/// a valid Secret joins its cluster (<see cref="KubernetesClusters.Add"/>), a changed kubeconfig, context or label set
/// re-registers it (Remove, then Add: the connection is immutable), a deleted, unlabelled or broken Secret makes it leave
/// (<see cref="KubernetesClusters.Remove"/>). Two Secrets naming one cluster: the older one registers it. Each refusal
/// is a Warning Event on its Secret; other members are not touched. When a member leaves for good, the silo leading the
/// home cluster has its grains forget themselves (<see cref="LeftClusterSweep"/>).
/// </summary>
public sealed class ClusterSecretRegistrations(
    KubernetesClusters clusters,
    IOptions<BridgeOptions> options,
    EventRecorder events,
    ClusterBridgeService bridge,
    LeftClusterSweep sweep,
    ILoggerFactory loggers) : BackgroundService, IClusterMembership
{
    private const string Component = "certfleet-fleet";
    private static readonly object Listed = new();

    private readonly ILogger _logger = loggers.CreateLogger<ClusterSecretRegistrations>();
    private readonly Channel<object> _changes = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ClusterSecret> _secrets = new(StringComparer.Ordinal);
    /// <summary>Members this source registered: cluster name → (Secret, fingerprint).</summary>
    private readonly Dictionary<string, (string Secret, string Fingerprint)> _registered = new(StringComparer.Ordinal);
    /// <summary>The Warning each Secret was last given, so a refusal is told once per change, not once per event.</summary>
    private readonly Dictionary<string, string> _warned = new(StringComparer.Ordinal);
    private volatile FrozenSet<string> _members = FrozenSet<string>.Empty;
    private volatile bool _listed;

    private string Namespace => options.Value.ClusterResourceNamespace;

    public bool HasLeft(string cluster) =>
        _listed && cluster != clusters.Home.Name && !_members.Contains(cluster);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var source = new ClusterSecretSource(clusters.Home, Namespace, () => _changes.Writer.TryWrite(Listed));
        var reflector = new Reflector(source, clusters.Home.Name, change => _changes.Writer.TryWrite(change),
            loggers.CreateLogger<Reflector>());
        await Task.WhenAll(reflector.RunAsync(stoppingToken), ApplyAsync(stoppingToken));
    }

    private async Task ApplyAsync(CancellationToken ct)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(ct))
            {
                // Changes that arrived together are decided together.
                var listedNow = false;
                while (_changes.Reader.TryRead(out var item))
                {
                    if (item == Listed)
                        listedNow = true;
                    else if (item is ObjectChange { Object: ClusterSecret secret } change)
                        _secrets[change.Key.Name] = secret;
                    else if (item is ObjectChange gone)
                        _secrets.Remove(gone.Key.Name);
                }
                if (!_listed && !listedNow)
                    continue; // the first list is still arriving: decide once it is complete
                Reconcile();
                if (!_listed)
                {
                    _listed = true;
                    _logger.LogInformation("Fleet: {Count} member cluster(s) registered by cluster Secrets in {Namespace}",
                        _registered.Count, Namespace);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Brings the members in line with the Secrets now known. Never throws: one bad Secret affects only itself.</summary>
    private void Reconcile()
    {
        var desired = new Dictionary<string, (ClusterSecret Secret, ValidClusterSecret Valid)>(StringComparer.Ordinal);
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in _secrets.Values.OrderBy(s => s.Created).ThenBy(s => s.SecretName, StringComparer.Ordinal))
        {
            var (valid, error) = ClusterSecretValidation.Validate(secret, clusters.Home.Name);
            if (valid is null)
                refused[secret.SecretName] = error!;
            else if (desired.TryGetValue(valid.Registration.Name, out var owner))
                refused[secret.SecretName] = $"cluster name \"{valid.Registration.Name}\" is already registered by the older " +
                    $"Secret {owner.Secret.SecretName}: give this cluster another name in annotation " +
                    $"{Interfaces.Fleet.FleetNames.ClusterNameAnnotation}, or delete one of the two Secrets";
            else
                desired[valid.Registration.Name] = (secret, valid);
        }

        var left = new List<string>();
        var reregistered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, registered) in _registered.ToList())
        {
            if (desired.TryGetValue(name, out var wanted) && wanted.Valid.Fingerprint == registered.Fingerprint)
                continue;
            clusters.Remove(name);
            _registered.Remove(name);
            if (desired.ContainsKey(name))
                reregistered.Add(name);
            else
            {
                left.Add(name);
                _logger.LogInformation("Fleet: cluster {Cluster} left (Secret {Secret} deleted, unlabelled or no longer valid)",
                    name, registered.Secret);
            }
        }
        foreach (var (name, (secret, valid)) in desired)
        {
            if (_registered.ContainsKey(name))
                continue;
            try
            {
                clusters.Add(valid.Registration, valid.Configuration, options.Value);
                _registered[name] = (secret.SecretName, valid.Fingerprint);
                _logger.LogInformation("Fleet: cluster {Cluster} joined from Secret {Secret} (server {Server}, labels {Labels})",
                    name, secret.SecretName, valid.Configuration.Host,
                    string.Join(",", valid.Registration.Labels.Select(label => $"{label.Key}={label.Value}")));
                Record(secret, EventRecord.Normal, ClusterSecretValidation.RegisteredReason,
                    $"cluster \"{name}\" is a member of the fleet (server {valid.Configuration.Host})");
            }
            catch (Exception exception)
            {
                refused[secret.SecretName] = $"cluster \"{name}\" cannot be connected ({exception.Message.Split('\n', 2)[0]}): " +
                    "check the kubeconfig's server URL and inline certificates";
                if (reregistered.Contains(name))
                    left.Add(name);
            }
        }
        _members = _registered.Keys.ToFrozenSet(StringComparer.Ordinal);

        foreach (var secretName in _warned.Keys.Where(name => !refused.ContainsKey(name)).ToList())
            _warned.Remove(secretName);
        foreach (var (secretName, error) in refused)
        {
            if (_warned.GetValueOrDefault(secretName) == error)
                continue;
            _warned[secretName] = error;
            _logger.LogWarning("Fleet: Secret {Namespace}/{Secret} registers no cluster: {Error}", Namespace, secretName, error);
            Record(_secrets[secretName], EventRecord.Warning, ClusterSecretValidation.InvalidReason, error);
        }

        foreach (var name in left)
            Forget(name);
    }

    /// <summary>The home cluster's leader has the left member's grains forget themselves; one silo is enough.</summary>
    private void Forget(string cluster)
    {
        if (!bridge.IsLeading(clusters.Home.Name))
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await sweep.RunAsync(cluster, CancellationToken.None);
            }
            catch (Exception exception)
            {
                _logger.LogWarning("Fleet: forgetting the grains of cluster {Cluster} failed: {Error}; their reminders still make them forget themselves",
                    cluster, exception.Message);
            }
        });
    }

    private void Record(ClusterSecret secret, string type, string reason, string message) =>
        _ = events.RecordAsync(new EventRecord(ResourceKind.Secret, new ObjectKey(clusters.Home.Name, Namespace, secret.SecretName),
            secret.Uid, type, reason, message, Component));
}
