using CertFleet.Interfaces.Fleet;

namespace CertFleet.Grains.Acme;

/// <summary>Where a FleetCertificate's HTTP-01 solver route is copied: one namespace in each placed member cluster.</summary>
public static class FleetSolverTargets
{
    /// <summary>
    /// One target per member cluster, in its first placed namespace (ordinal order, so every present picks the same):
    /// an ingress controller or Gateway routes a host and path from any namespace, and two routes for the same path
    /// in one cluster would only conflict. A placed namespace is one where the FleetCertificate's Secret is written,
    /// so it exists and its routes are likely allowed on the Gateway. The home cluster already has the Challenge's own
    /// route.
    /// </summary>
    public static List<FleetPlacement> Of(IEnumerable<FleetPlacement> placements, string homeCluster) =>
    [
        .. placements
            .Where(placement => placement.Cluster != homeCluster && placement.Namespace.Length > 0)
            .GroupBy(placement => placement.Cluster, StringComparer.Ordinal)
            .Select(cluster => new FleetPlacement(cluster.Key, cluster.Select(p => p.Namespace).Min(StringComparer.Ordinal)!))
            .OrderBy(placement => placement.Cluster, StringComparer.Ordinal),
    ];
}
