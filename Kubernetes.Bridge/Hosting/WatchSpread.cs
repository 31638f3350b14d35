using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>What a silo read in a cluster's Lease when its election would take it.</summary>
public enum LeaseState
{
    /// <summary>No Lease yet: a cluster that just joined.</summary>
    Absent,

    /// <summary>A holder that stopped renewing: a silo that died or lost the home cluster's API server.</summary>
    Orphaned,

    /// <summary>Given up by a silo that stopped (holder emptied, duration 1 s).</summary>
    Released,

    /// <summary>Given up by a silo that held more than its share (holder emptied, duration kept), for a silo below its share.</summary>
    HandedOff,
}

/// <summary>
/// How the silos share the clusters' watches: each silo aims at <see cref="FairShare"/> of them. A Lease nobody renews
/// is taken at once by whichever silo gets there first, so no cluster stays unwatched while a dead silo still counts; a
/// new or handed-off one goes to a silo below its share, and to any silo once it has waited <c>grace</c> without one.
/// </summary>
public static class WatchSpread
{
    private const int MaxLeaseName = 63;

    /// <summary>Clusters per silo, rounded up: what a silo may hold before it leaves the rest to others.</summary>
    public static int FairShare(int clusters, int silos) => silos <= 1 ? clusters : (clusters + silos - 1) / silos;

    /// <summary>Whether a silo holding <paramref name="held"/> Leases takes one in <paramref name="state"/>, free for <paramref name="waited"/>.</summary>
    public static bool MayAcquire(LeaseState state, int held, int fairShare, TimeSpan waited, TimeSpan grace) =>
        state is LeaseState.Orphaned or LeaseState.Released || held < fairShare || waited >= grace;

    /// <summary>How many of its Leases a silo hands off.</summary>
    public static int Excess(int held, int fairShare) => Math.Max(0, held - fairShare);

    /// <summary>
    /// The Lease of a cluster, in the home cluster's lease namespace: the home cluster keeps <c>LeaseName</c>, a member
    /// gets <c>LeaseName-member-NAME</c>, ending in a hash of that when longer than 63 characters.
    /// </summary>
    public static string LeaseNameOf(string leaseName, ClusterRegistration cluster)
    {
        if (cluster.IsHome)
            return leaseName;
        var name = $"{leaseName}-member-{cluster.Name}";
        if (name.Length <= MaxLeaseName)
            return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..10];
        return $"{name[..(MaxLeaseName - hash.Length - 1)].TrimEnd('-', '.')}-{hash}";
    }
}
