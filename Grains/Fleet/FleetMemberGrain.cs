using CertFleet.Interfaces.Fleet;

namespace CertFleet.Grains.Fleet;

/// <summary>
/// The latest report of one member cluster (key: its name). Nothing is persisted: the watching silo reports every few
/// seconds, so a lost activation is refilled at once, and storage writes for a view would only cost.
/// </summary>
[GrainType("fleetmember")]
public sealed class FleetMemberGrain : Grain, IFleetMemberGrain
{
    private FleetMemberReport? _latest;

    public Task ReportAsync(FleetMemberReport report)
    {
        // A silo that took the member over mid-outage knows only its own first failure; the earlier one stands.
        if (!report.Reachable && _latest is { Reachable: false, UnreachableSince: { } since }
            && (report.UnreachableSince is null || since < report.UnreachableSince))
            report = report with { UnreachableSince = since };
        _latest = report;
        return Task.CompletedTask;
    }

    public Task<FleetMemberReport?> GetAsync() => Task.FromResult(_latest);
}
