using CertFleet.Interfaces;

namespace CertFleet.Grains.State;

/// <summary>Who owns a Secret name, who waits for it, and which issuers read it.</summary>
[GenerateSerializer, Alias("certfleet.SecretClaimState")]
public sealed record SecretClaimState
{
    [Id(0)] public string? Owner { get; set; }
    [Id(1)] public List<string> Waiting { get; set; } = [];
    [Id(2)] public HashSet<ObjectKey> Issuers { get; set; } = [];
}
