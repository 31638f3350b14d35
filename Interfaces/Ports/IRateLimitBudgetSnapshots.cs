namespace CertFleet.Interfaces.Ports;

/// <summary>
/// The ACME rate-limit budgets as the metrics endpoint shows them (<c>certfleet_acme_rate_limit_remaining</c> and
/// <c>certfleet_acme_rate_limit_reopen_timestamp_seconds</c>). Read once per scrape; answer within a few seconds.
/// </summary>
public interface IRateLimitBudgetSnapshots
{
    Task<IReadOnlyList<RateLimitBudgetSnapshot>> GetAsync(CancellationToken ct);
}

/// <summary>
/// One budget: <paramref name="Server"/> is the ACME server's host, <paramref name="Limit"/> the CA's limit (e.g.
/// <c>certificates-per-registered-domain</c>), <paramref name="Key"/> what it is counted by (a registered domain, an
/// account, ...). <paramref name="ReopensAt"/> is when the next unit comes back, or null when the budget is full.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.RateLimitBudgetSnapshot")]
public sealed record RateLimitBudgetSnapshot(
    [property: Id(0)] string Server,
    [property: Id(1)] string Limit,
    [property: Id(2)] string Key,
    [property: Id(3)] double Remaining,
    [property: Id(4)] DateTimeOffset? ReopensAt);
