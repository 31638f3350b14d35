namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>How many silos share the clusters' watches now (the Silo counts Orleans' active silos).</summary>
public interface IActiveSilos
{
    int Count { get; }
}
