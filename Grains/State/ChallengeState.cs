using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>Durable progress of one challenge through present → self-check → accept → final → cleaned up.</summary>
[GenerateSerializer, Alias("certfleet.ChallengeState")]
public sealed record ChallengeState
{
    [Id(0)] public ChallengeWork? Work { get; set; }
    [Id(1)] public ChallengePhase Phase { get; set; }
    /// <summary>cert-manager's Challenge state string (pending, processing, valid, invalid, errored).</summary>
    [Id(2)] public string State { get; set; } = OrderStates.Pending;
    [Id(3)] public string? Reason { get; set; }
    [Id(4)] public DateTimeOffset? PresentedAt { get; set; }
    /// <summary>DNS-01: where the TXT value was published (after following CNAMEs), so clean-up removes exactly it.</summary>
    [Id(5)] public string? Dns01Fqdn { get; set; }
    /// <summary>
    /// HTTP-01 of a FleetCertificate: the member clusters (and the namespace in each) where a solver route may have been
    /// made, recorded before writing, so clean-up finds them even if the placement changed since.
    /// </summary>
    [Id(6)] public List<FleetPlacement> FleetRoutes { get; set; } = [];
    /// <summary>Clean-up attempts that left a member's route behind; bounded, so an unreachable member cannot hold the Challenge.</summary>
    [Id(7)] public int FleetCleanUpAttempts { get; set; }
}

[GenerateSerializer, Alias("certfleet.ChallengePhase")]
public enum ChallengePhase
{
    New = 0,
    Presented = 1,
    Accepted = 2,
    Finished = 3,
    CleanedUp = 4,
}
