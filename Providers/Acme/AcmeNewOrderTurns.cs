namespace CertFleet.Providers.Acme;

/// <summary>
/// Turns for new orders to one ACME account: at most <see cref="InFlight"/> at once. One instance serves every client
/// of the account in a silo, so a client made again after a key reload shares its predecessor's turns.
/// </summary>
public sealed class AcmeNewOrderTurns
{
    /// <summary>Far below Let's Encrypt's 300 new orders/s per IP, and enough to keep a silo's orders flowing.</summary>
    public const int DefaultInFlight = 8;

    // Only WaitAsync is used, so the semaphore never makes a wait handle and needs no disposing.
    private readonly SemaphoreSlim _turns;

    public AcmeNewOrderTurns(int inFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        InFlight = inFlight;
        _turns = new SemaphoreSlim(inFlight, inFlight);
    }

    public int InFlight { get; }

    internal Task<bool> TakeAsync(TimeSpan wait, CancellationToken ct) => _turns.WaitAsync(wait, ct);

    internal void Give() => _turns.Release();
}
