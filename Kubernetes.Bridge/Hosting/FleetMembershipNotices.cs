using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge.Dispatch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Hosting;

/// <summary>
/// Tells every FleetCertificate this silo's home watch knows of when a member joins or leaves (a new registration
/// with other labels is a leave and a join), so a matching member gets its copies without waiting for a re-check and an
/// unmatched one loses them. Silos not watching the home cluster know of none and tell nobody.
/// </summary>
public sealed class FleetMembershipNotices(
    KubernetesClusters clusters,
    IGrainFactory grains,
    FleetCertificateIndex fleetCertificates,
    ILogger<FleetMembershipNotices> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        clusters.Added += OnMembershipChanged;
        clusters.Removed += OnMembershipChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        clusters.Added -= OnMembershipChanged;
        clusters.Removed -= OnMembershipChanged;
        return Task.CompletedTask;
    }

    private void OnMembershipChanged(ClusterConnection connection)
    {
        foreach (var name in fleetCertificates.Names)
            _ = TellAsync(name, connection.Name);
    }

    private async Task TellAsync(string fleetCertificate, string member)
    {
        try
        {
            await grains.ByKey<IFleetCertificateGrain>(fleetCertificate).MembersChangedAsync();
        }
        catch (Exception exception)
        {
            // The FleetCertificate's periodic re-check still finds the change.
            logger.LogWarning(exception, "FleetCertificate {Name} not told that member {Member} joined or left", fleetCertificate, member);
        }
    }
}
