using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

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

    /// <summary>From the home cluster's watch: the FleetCertificate as stored now.</summary>
    [Alias("Sync")]
    Task SyncAsync(FleetCertificate fleetCertificate);

    /// <summary>From the home cluster's watch: the FleetCertificate with <paramref name="uid"/> is gone.</summary>
    [Alias("Deleted")]
    Task DeletedAsync(string uid);

    /// <summary>The home Certificate (labelled with this FleetCertificate's name) changed: a renewal may have landed.</summary>
    [Alias("HomeCertificateChanged")]
    Task HomeCertificateChangedAsync(ObjectKey certificate);

    /// <summary>A copy changed (edited by someone), or was deleted when <paramref name="copy"/> is null.</summary>
    [Alias("CopyChanged")]
    Task CopyChangedAsync(ObjectKey key, SecretMetadata? copy);

    /// <summary>A member joined or left (or was registered again with other labels): placements may differ.</summary>
    [Alias("MembersChanged")]
    Task MembersChangedAsync();
}
