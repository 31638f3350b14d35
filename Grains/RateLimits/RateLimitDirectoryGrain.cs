using CertFleet.Grains.State;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.RateLimits;

/// <summary>Lists the budget grains in use so metrics can read every budget (key <c>budgets</c>).</summary>
[GrainType("ratelimitdirectory")]
public sealed class RateLimitDirectoryGrain(
    [PersistentState("ratelimitdirectory", "certfleet")] IPersistentState<RateLimitDirectoryState> store) : Grain, IRateLimitDirectoryGrain
{
    public async Task RegisterAsync(string budgetGrainKey)
    {
        if (store.State.Budgets.Add(budgetGrainKey))
            await store.WriteStateAsync();
    }

    public async Task<IReadOnlyList<BudgetSnapshot>> GetSnapshotsAsync()
    {
        var snapshots = await Task.WhenAll(store.State.Budgets.Select(k => GrainFactory.GetGrain<IRateLimitBudgetGrain>(k).GetSnapshotAsync()));
        return [.. snapshots.OfType<BudgetSnapshot>().OrderBy(s => s.Server, StringComparer.Ordinal)
            .ThenBy(s => s.Limit, StringComparer.Ordinal).ThenBy(s => s.Key, StringComparer.Ordinal)];
    }
}
