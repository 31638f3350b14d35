namespace CertFleet.Grains.State;

/// <summary>The known objects of one shard: "namespace/name" → uid.</summary>
[GenerateSerializer, Alias("certfleet.KnownObjectsState")]
public sealed record KnownObjectsState
{
    [Id(0)] public Dictionary<string, string> Uids { get; set; } = [];
}
