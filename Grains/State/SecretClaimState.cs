using CertFleet.Interfaces;

namespace CertFleet.Grains.State;

/// <summary>Who owns a Secret name, who waits for it, which issuers read it, and which FleetCertificates placed a copy under it.</summary>
[GenerateSerializer, Alias("certfleet.SecretClaimState")]
public sealed record SecretClaimState
{
    [Id(0)] public string? Owner { get; set; }
    [Id(1)] public List<string> Waiting { get; set; } = [];
    [Id(2)] public HashSet<ObjectKey> Issuers { get; set; } = [];
    [Id(3)] public HashSet<string> FleetCertificates { get; set; } = [];
}
