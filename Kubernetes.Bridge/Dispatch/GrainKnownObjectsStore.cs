using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge.Solving;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// Keeps known objects in <see cref="IKnownObjectsGrain"/> shards, so that a batch of changes rewrites only the shards
/// it touches, each about 1/<see cref="Shards"/> of the resource's objects.
/// </summary>
public sealed class GrainKnownObjectsStore(IGrainFactory grains) : IKnownObjectsStore
{
    /// <summary>Fixed: changing it would hide what the old shards hold.</summary>
    public const int Shards = 16;

    public async Task<IReadOnlyDictionary<string, string>> LoadAsync(string cluster, string resource)
    {
        var shards = await Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => Shard(cluster, resource, shard).ListAsync()));
        return shards.SelectMany(shard => shard).ToDictionary();
    }

    public Task ApplyAsync(string cluster, string resource, IReadOnlyDictionary<string, string?> changes) =>
        Task.WhenAll(changes.GroupBy(change => ShardOf(change.Key)).Select(group =>
            Shard(cluster, resource, group.Key).ApplyAsync(group.ToDictionary())));

    // Any stable spread will do; Adler-32 is the checksum the bridge already has.
    private static int ShardOf(string id) => (int)(Adler32.Checksum(id) % Shards);

    private IKnownObjectsGrain Shard(string cluster, string resource, int shard) =>
        grains.GetGrain<IKnownObjectsGrain>(ShardKey(cluster, resource, shard));

    /// <summary>The key of one <see cref="IKnownObjectsGrain"/> shard.</summary>
    public static string ShardKey(string cluster, string resource, int shard) => $"{cluster}/{resource}/{shard}";
}
