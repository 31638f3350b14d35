using CertFleet.Interfaces.Ports;

namespace CertFleet.Silo.Metrics;

/// <summary>Until the rate-limit budget grains report, no budget series are exported.</summary>
public sealed class NoRateLimitBudgetSnapshots : IRateLimitBudgetSnapshots
{
    public Task<IReadOnlyList<RateLimitBudgetSnapshot>> GetAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<RateLimitBudgetSnapshot>>([]);
}
