using CertFleet.Kubernetes.Bridge.Hosting;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>The number of silos, as a test sets it (the hosts of one test share one to stand for Orleans' membership).</summary>
public sealed class SiloCount(int count) : IActiveSilos
{
    public int Count { get; set; } = count;
}
