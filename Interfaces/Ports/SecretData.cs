namespace CertFleet.Interfaces.Ports;

/// <summary>
/// A Secret as grains see it. Travels only between a grain and the bridge in the same silo call; it is never put
/// into grain state, because <see cref="Data"/> may hold private keys.
/// </summary>
[GenerateSerializer, Alias("certfleet.SecretData")]
public sealed record SecretData
{
    [Id(0)] public required ObjectKey Key { get; init; }
    [Id(1)] public string Type { get; init; } = "Opaque";
    [Id(2)] public Dictionary<string, byte[]> Data { get; init; } = new();
    [Id(3)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(4)] public Dictionary<string, string> Annotations { get; init; } = new();
    [Id(5)] public string? Uid { get; init; }
    [Id(6)] public string? ResourceVersion { get; init; }
    [Id(7)] public List<OwnerRef> OwnerReferences { get; init; } = new();

    public string? GetString(string key) =>
        Data.TryGetValue(key, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : null;
}

/// <summary>An ownerReference: the owner's kind and uid are what garbage collection matches on.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.OwnerRef")]
public sealed record OwnerRef(
    [property: Id(0)] string ApiVersion,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Name,
    [property: Id(3)] string Uid,
    [property: Id(4)] bool Controller = true,
    [property: Id(5)] bool BlockOwnerDeletion = true);

/// <summary>What the bridge forwards from a Secret watch event: metadata only, never the data.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.SecretMetadata")]
public sealed record SecretMetadata(
    [property: Id(0)] ObjectKey Key,
    [property: Id(1)] string Uid,
    [property: Id(2)] string ResourceVersion,
    [property: Id(3)] IReadOnlyDictionary<string, string> Labels,
    [property: Id(4)] IReadOnlyDictionary<string, string> Annotations);
