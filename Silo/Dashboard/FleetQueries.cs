using CertFleet.Grains.Fleet;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge;

namespace CertFleet.Silo.Dashboard;

/// <summary>
/// Answers the fleet API from any silo: the members from this silo's cluster list (every silo connects to every
/// member), their latest reports from <see cref="IFleetMemberGrain"/>, budgets and duplicates from their directories.
/// A grain that does not answer within <see cref="GrainTimeout"/> leaves its part out rather than failing the page.
/// </summary>
public sealed class FleetQueries(KubernetesClusters clusters, IGrainFactory grains, TimeProvider clock, ILogger<FleetQueries> logger)
{
    private static readonly TimeSpan GrainTimeout = TimeSpan.FromSeconds(5);

    public async Task<FleetStatus> StatusAsync(CancellationToken ct)
    {
        var members = Members();
        var reports = ReportsAsync(members, ct);
        var budgets = AskAsync("rate-limit budgets", () => grains.GetGrain<IRateLimitDirectoryGrain>(IRateLimitDirectoryGrain.SingletonKey).GetSnapshotsAsync(), ct);
        return FleetOverview.Status(members, await reports, await budgets ?? [], clock.GetUtcNow());
    }

    public async Task<FleetCertificates> CertificatesAsync(TimeSpan? expiringWithin, CancellationToken ct)
    {
        var members = Members();
        return FleetOverview.Certificates(members, await ReportsAsync(members, ct), expiringWithin, clock.GetUtcNow());
    }

    public async Task<FleetCertificateCopiesView> FleetCertificatesAsync(CancellationToken ct) =>
        FleetOverview.Copies(await ReportsAsync(Members(), ct), clock.GetUtcNow());

    public async Task<FleetDuplicates> DuplicatesAsync(CancellationToken ct) => new(clock.GetUtcNow(),
        await AskAsync("duplicate identifier sets", () => grains.GetGrain<IDuplicateSetDirectoryGrain>(IDuplicateSetDirectoryGrain.SingletonKey).ListAsync(), ct)
        ?? throw new TimeoutException($"the duplicate-set directory did not answer within {GrainTimeout.TotalSeconds:0} s"));

    private List<FleetMemberRegistration> Members() =>
        [.. clusters.All.Select(connection => new FleetMemberRegistration(connection.Name, connection.Registration.Source, connection.Registration.Labels))];

    private async Task<IReadOnlyDictionary<string, FleetMemberReport>> ReportsAsync(IReadOnlyList<FleetMemberRegistration> members, CancellationToken ct)
    {
        var reports = await Task.WhenAll(members.Select(member =>
            AskAsync($"member {member.Name}", () => grains.GetGrain<IFleetMemberGrain>(member.Name).GetAsync(), ct)));
        return reports.OfType<FleetMemberReport>().ToDictionary(report => report.Cluster, StringComparer.Ordinal);
    }

    private async Task<T?> AskAsync<T>(string what, Func<Task<T>> call, CancellationToken ct) where T : class?
    {
        try
        {
            return await call().WaitAsync(GrainTimeout, ct);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogDebug(exception, "The fleet view left out {Part}: no answer", what);
            return null;
        }
    }
}
