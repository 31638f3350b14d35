using CertFleet.Interfaces.Ports;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>The members this silo is connected to now, as grains see them (every silo connects to every member).</summary>
public sealed class FleetMembers(KubernetesClusters clusters) : IFleetMembers
{
    public IReadOnlyList<FleetMember> Current =>
        [.. clusters.All.Select(connection => new FleetMember(connection.Name, connection.Registration.IsHome, connection.Registration.Labels))];
}
