namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One shard of the objects of one watched resource that the bridge has handed to grains (key
/// <c>cluster/resource/shard</c>), kept across leader terms: the next leader compares them with its first list, so an
/// object deleted while no silo led is still delivered as a deletion. Shards keep each write small.
/// </summary>
[Alias("certfleet.IKnownObjectsGrain")]
public interface IKnownObjectsGrain : IClusterObjectGrain
{
    /// <summary>Every known object of the shard: "namespace/name" (namespace empty when cluster-scoped) → uid.</summary>
    [Alias("List")]
    Task<IReadOnlyDictionary<string, string>> ListAsync();

    /// <summary>Records objects seen (a uid) and objects whose deletion was delivered (null), in one write.</summary>
    [Alias("Apply")]
    Task ApplyAsync(IReadOnlyDictionary<string, string?> changes);
}
