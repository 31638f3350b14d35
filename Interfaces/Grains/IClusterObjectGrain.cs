namespace CertFleet.Interfaces.Grains;

/// <summary>A grain that stands for an object of one cluster of the fleet (its key starts with the cluster's name).</summary>
[Alias("certfleet.IClusterObjectGrain")]
public interface IClusterObjectGrain : IGrainWithStringKey
{
    /// <summary>
    /// The cluster left the fleet: forget everything — state cleared, reminders unregistered, deactivated — without
    /// writing to or deleting anything in the cluster, which is no longer CertFleet's to change.
    /// </summary>
    [Alias("Detach")]
    Task DetachAsync();
}
