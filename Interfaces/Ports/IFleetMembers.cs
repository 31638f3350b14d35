namespace CertFleet.Interfaces.Ports;

/// <summary>The fleet's members as this silo knows them now (every silo is connected to every member).</summary>
public interface IFleetMembers
{
    IReadOnlyList<FleetMember> Current { get; }
}

/// <summary>
/// One member cluster: its name (the first part of its grain keys), whether it is the home cluster, and the labels of
/// its registration, which FleetCertificate placements select on.
/// </summary>
[GenerateSerializer, Alias("certfleet.FleetMember")]
public sealed record FleetMember(
    [property: Id(0)] string Name,
    [property: Id(1)] bool IsHome,
    [property: Id(2)] IReadOnlyDictionary<string, string> Labels);
