namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>The silos that share the clusters' watches now (the Silo lists Orleans' active silos).</summary>
public interface IActiveSilos
{
    /// <summary>Each active silo, by an address that changes when it restarts, in a stable order; never empty.</summary>
    IReadOnlyList<string> Active { get; }
}
