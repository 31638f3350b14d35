namespace CertFleet.Interfaces.Ports;

/// <summary>Which clusters are members of the fleet now, as this silo's registration source knows it. Built in Kubernetes.Bridge.</summary>
public interface IClusterMembership
{
    /// <summary>
    /// True only when this silo has read the registrations and <paramref name="cluster"/> is not among them (nor the
    /// home cluster): a grain of that cluster forgets itself without writing. False while the registrations are not
    /// read yet, so a silo that has just started never takes a member for gone.
    /// </summary>
    bool HasLeft(string cluster);
}
