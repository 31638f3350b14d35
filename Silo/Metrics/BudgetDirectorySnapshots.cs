using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Silo.Metrics;

/// <summary>The rate-limit budgets as the cluster-wide directory grain knows them, whichever silo is scraped.</summary>
public sealed class BudgetDirectorySnapshots(IGrainFactory grains) : IRateLimitBudgetSnapshots
{
    public async Task<IReadOnlyList<RateLimitBudgetSnapshot>> GetAsync(CancellationToken ct)
    {
        var snapshots = await grains.GetGrain<IRateLimitDirectoryGrain>(IRateLimitDirectoryGrain.SingletonKey)
            .GetSnapshotsAsync().WaitAsync(ct);
        return [.. snapshots.Select(s => new RateLimitBudgetSnapshot(s.Server, s.Limit, s.Key, s.Remaining, s.ReopensAt))];
    }
}
