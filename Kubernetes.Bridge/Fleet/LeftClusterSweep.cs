using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Fleet;

/// <summary>
/// Has every grain of a cluster that left the fleet forget itself (<see cref="IClusterObjectGrain.DetachAsync"/>):
/// state cleared, reminders gone, deactivated, and nothing written to or deleted in the cluster — not the deletion
/// paths, which clean up there. The grains are found in the known objects the watches stored, whose shards go last.
/// A grain the sweep misses (no silo led the home cluster, or it was never stored) forgets itself when its reminder
/// fires (<see cref="IClusterMembership.HasLeft"/>).
/// </summary>
public sealed class LeftClusterSweep(IKnownObjectsStore knownObjects, IGrainFactory grains, ILogger<LeftClusterSweep> logger)
{
    /// <summary>Grain calls in flight at once.</summary>
    private const int Concurrency = 32;

    private static readonly IReadOnlyList<(string Resource, Func<IGrainFactory, string, IClusterObjectGrain> Grain)> Resources =
    [
        (CustomResourceSource.NameOf(ResourceKind.Certificate), (g, key) => g.GetGrain<ICertificateGrain>(key)),
        (CustomResourceSource.NameOf(ResourceKind.CertificateRequest), (g, key) => g.GetGrain<ICertificateRequestGrain>(key)),
        (CustomResourceSource.NameOf(ResourceKind.Issuer), (g, key) => g.GetGrain<IIssuerGrain>(key)),
        (CustomResourceSource.NameOf(ResourceKind.ClusterIssuer), (g, key) => g.GetGrain<IIssuerGrain>(key)),
        (CustomResourceSource.NameOf(ResourceKind.Order), (g, key) => g.GetGrain<IOrderGrain>(key)),
        (CustomResourceSource.NameOf(ResourceKind.Challenge), (g, key) => g.GetGrain<IChallengeGrain>(key)),
        (SecretSource.Name, (g, key) => g.GetGrain<ISecretClaimGrain>(key)),
    ];

    /// <summary>Detaches every known grain of <paramref name="cluster"/>; returns how many.</summary>
    public async Task<int> RunAsync(string cluster, CancellationToken ct)
    {
        var detached = 0;
        foreach (var (resource, grain) in Resources)
        {
            var known = await knownObjects.LoadAsync(cluster, resource);
            await Parallel.ForEachAsync(known.Keys, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
                async (id, _) =>
                {
                    var slash = id.IndexOf('/');
                    var key = new ObjectKey(cluster, id[..slash], id[(slash + 1)..]);
                    await grain(grains, key.ToGrainKey()).DetachAsync();
                });
            detached += known.Count;
            await Task.WhenAll(Enumerable.Range(0, GrainKnownObjectsStore.Shards).Select(shard =>
                grains.GetGrain<IKnownObjectsGrain>(GrainKnownObjectsStore.ShardKey(cluster, resource, shard)).DetachAsync()));
        }
        logger.LogInformation("Fleet: {Count} grains of cluster {Cluster}, which left, forgot themselves", detached, cluster);
        return detached;
    }
}
