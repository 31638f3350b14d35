namespace CertFleet.Grains.State;

/// <summary>The key authorization served for one token; cleared when its challenge is cleaned up.</summary>
[GenerateSerializer, Alias("certfleet.Http01TokenState")]
public sealed record Http01TokenState
{
    [Id(0)] public string? KeyAuthorization { get; set; }
}
