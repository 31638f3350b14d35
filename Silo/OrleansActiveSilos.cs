using CertFleet.Kubernetes.Bridge.Hosting;
using Orleans.Runtime;

namespace CertFleet.Silo;

/// <summary>
/// The silos the clusters' watches are spread over: those Orleans' membership lists Active now, by address and
/// generation (so a silo restarted in place counts as a change); this one alone before the membership lists it.
/// </summary>
public sealed class OrleansActiveSilos(IClusterMembershipService membership, ILocalSiloDetails local) : IActiveSilos
{
    public IReadOnlyList<string> Active
    {
        get
        {
            var active = membership.CurrentSnapshot.Members.Values.Where(member => member.Status == SiloStatus.Active)
                .Select(member => member.SiloAddress.ToParsableString()).Order(StringComparer.Ordinal).ToList();
            return active.Count > 0 ? active : [local.SiloAddress.ToParsableString()];
        }
    }
}
