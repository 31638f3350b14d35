using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>The live HTTP-01 tokens; each is removed when its challenge is cleaned up.</summary>
[GenerateSerializer, Alias("certfleet.Http01TokenDirectoryState")]
public sealed record Http01TokenDirectoryState
{
    [Id(0)] public Dictionary<string, Http01Token> Tokens { get; set; } = [];
}
