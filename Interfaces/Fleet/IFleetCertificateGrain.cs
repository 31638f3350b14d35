namespace CertFleet.Interfaces.Fleet;

/// <summary>
/// One FleetCertificate (cluster-scoped, in the home cluster; key: its name): one private key and one issuance, its
/// Secret copied into every placed cluster and namespace.
/// </summary>
[Alias("certfleet.IFleetCertificateGrain")]
public interface IFleetCertificateGrain : IGrainWithStringKey
{
    /// <summary>Where the Secret is placed now (member clusters matched by the placement, times its namespaces).</summary>
    [Alias("GetPlacements")]
    Task<IReadOnlyList<FleetPlacement>> GetPlacementsAsync();
}
