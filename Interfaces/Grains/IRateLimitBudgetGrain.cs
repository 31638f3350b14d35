using Orleans.Concurrency;

namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One rate-limit budget of one ACME server as a token bucket (key <c>limit/budget-key</c>, e.g.
/// <c>certificatesPerRegisteredDomain/acme-v02.api.letsencrypt.org/example.com</c>; see <see cref="RateLimitNames"/>).
/// Shared by every Certificate of the Orleans cluster, whichever Kubernetes cluster or namespace it came from. The
/// limit (capacity per period) is passed on each call, so a configuration change applies at once.
/// </summary>
[Alias("certfleet.IRateLimitBudgetGrain")]
public interface IRateLimitBudgetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Reserves one token for <paramref name="holder"/> (idempotent per holder), or says when one will be available.
    /// A reservation is committed when the CA counted it and released when it did not (a new order the CA refused).
    /// </summary>
    [Alias("TryAcquire")]
    Task<BudgetDecision> TryAcquireAsync(int capacity, TimeSpan period, string holder);

    /// <summary>Whether a token is available, without taking it (limits that count failures only).</summary>
    [Alias("Check")]
    Task<BudgetDecision> CheckAsync(int capacity, TimeSpan period);

    /// <summary>The CA counted the reservation (the order was created): it stays spent.</summary>
    [Alias("Commit")]
    Task CommitAsync(string holder);

    /// <summary>The CA did not count the reservation: its token comes back.</summary>
    [Alias("Release")]
    Task ReleaseAsync(string holder);

    /// <summary>Spends one token for something that already happened (a failed authorization).</summary>
    [Alias("Consume")]
    Task ConsumeAsync(int capacity, TimeSpan period);

    /// <summary>
    /// The CA issued a certificate to <paramref name="holder"/> (an order): its reservation stays spent, or without one
    /// a token is spent whether or not one is left; the same holder again spends nothing more.
    /// </summary>
    [Alias("Spend")]
    Task SpendAsync(int capacity, TimeSpan period, string holder);

    /// <summary>The CA answered 429 with Retry-After: nothing is granted before <paramref name="until"/>.</summary>
    [Alias("BlockUntil")]
    Task BlockUntilAsync(DateTimeOffset until, string reason);

    /// <summary>
    /// The numbers for metrics; null for a budget never used. Interleaves: the directory asks while a budget's first
    /// write may be waiting on the directory's RegisterAsync, which would otherwise deadlock until the call timeout.
    /// </summary>
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<BudgetSnapshot?> GetSnapshotAsync();
}

/// <summary>Lists every budget in use, so metrics can read them all (key <see cref="SingletonKey"/>).</summary>
[Alias("certfleet.IRateLimitDirectoryGrain")]
public interface IRateLimitDirectoryGrain : IGrainWithStringKey
{
    public const string SingletonKey = "budgets";

    [Alias("Register")]
    Task RegisterAsync(string budgetGrainKey);

    /// <summary>A snapshot of each registered budget, ordered by server, limit and key.</summary>
    [Alias("GetSnapshots")]
    Task<IReadOnlyList<BudgetSnapshot>> GetSnapshotsAsync();
}

/// <summary>The answer of a budget: granted, or when it reopens and, for a CA's 429, why.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.BudgetDecision")]
public sealed record BudgetDecision(
    [property: Id(0)] bool Granted,
    [property: Id(1)] int Remaining,
    [property: Id(2)] DateTimeOffset? ReopensAt,
    [property: Id(3)] string? BlockedBy);

/// <summary>
/// One budget's numbers: server, limit name, key, what is left and when the next token comes. A
/// <see cref="RateLimitNames.CaRetryAfter"/> budget has capacity 0 and remaining 1, or 0 until its Retry-After passes.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.BudgetSnapshot")]
public sealed record BudgetSnapshot(
    [property: Id(0)] string Server,
    [property: Id(1)] string Limit,
    [property: Id(2)] string Key,
    [property: Id(3)] int Capacity,
    [property: Id(4)] TimeSpan Period,
    [property: Id(5)] int Remaining,
    [property: Id(6)] DateTimeOffset? ReopensAt);

/// <summary>The budget names: the first part of a budget grain's key, and what conditions and metrics call them.</summary>
public static class RateLimitNames
{
    /// <summary>New certificates per registered domain (PSL eTLD+1), key <c>acme-host/registered-domain</c>.</summary>
    public const string CertificatesPerRegisteredDomain = "certificatesPerRegisteredDomain";

    /// <summary>New certificates per exact identifier set, key <c>acme-host/identifier-set</c>.</summary>
    public const string CertificatesPerIdentifierSet = "certificatesPerExactIdentifierSet";

    /// <summary>New orders per account, key <c>account</c> (the account URL without its scheme).</summary>
    public const string OrdersPerAccount = "newOrdersPerAccount";

    /// <summary>Failed authorizations per identifier per account, key <c>account/identifier</c>.</summary>
    public const string AuthorizationFailuresPerIdentifier = "failedAuthorizationsPerIdentifierPerAccount";

    /// <summary>A 429 from the CA: Retry-After held on the identifier set's key.</summary>
    public const string CaRetryAfter = "caRetryAfter";
}
