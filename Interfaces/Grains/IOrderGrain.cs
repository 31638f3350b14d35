namespace CertFleet.Interfaces.Grains;

/// <summary>
/// One ACME Order (key <c>cluster/namespace/order</c>): newOrder, one Challenge per pending authorization, finalize,
/// download. Progress is persisted and driven by a timer while active, with a reminder as the crash-safe fallback.
/// </summary>
[Alias("certfleet.IOrderGrain")]
public interface IOrderGrain : IClusterObjectGrain
{
    [Alias("Start")]
    Task StartAsync(OrderWork work);

    /// <summary>A Challenge of this order reached a final state.</summary>
    [Alias("ChallengeFinished")]
    Task ChallengeFinishedAsync(string challengeName);

    [Alias("Deleted")]
    Task DeletedAsync();
}

/// <summary>One ACME Challenge (key <c>cluster/namespace/challenge</c>): present, self-check, accept, wait, clean up.</summary>
[Alias("certfleet.IChallengeGrain")]
public interface IChallengeGrain : IClusterObjectGrain
{
    [Alias("Start")]
    Task StartAsync(ChallengeWork work);

    /// <summary>
    /// The Challenge is being deleted, still held by <paramref name="finalizers"/>, or is gone (no finalizers): its
    /// solver is cleaned up and cert-manager's finalizers on it are removed.
    /// </summary>
    [Alias("Deleted")]
    Task DeletedAsync(List<string> finalizers);
}
