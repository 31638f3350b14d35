using CertFleet.Kubernetes.Bridge.Hosting;
using Orleans.Runtime;

namespace CertFleet.Silo;

/// <summary>The silos the clusters' watches are spread over: those Orleans' membership lists Active now (at least this one).</summary>
public sealed class OrleansActiveSilos(IClusterMembershipService membership) : IActiveSilos
{
    public int Count => Math.Max(1, membership.CurrentSnapshot.Members.Values.Count(member => member.Status == SiloStatus.Active));
}
