using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Acme;

/// <summary>
/// This silo's copy of the live HTTP-01 tokens, which the responder answers from. A token it does not know makes it
/// fetch the directory grain's list again, but at most once per <see cref="RefreshInterval"/> (concurrent misses share
/// one fetch); otherwise the answer is 404 at once. So a stranger sending random tokens never activates a grain or
/// reads storage, and costs the directory at most one call a second per silo.
/// </summary>
/// <remarks>
/// Why a pulled copy rather than a grain per token or a pushed broadcast: any silo may receive the CA's request or the
/// self-check, and the copy is the only state a request reads. Correctness across silos comes from timing instead of
/// delivery: a fetch started after a token was presented includes it, and a miss more than a refresh interval after the
/// present always starts such a fetch. The Challenge therefore waits <see cref="PropagationDelay"/> after presenting
/// before it asks the CA to validate, and then every silo answers for the token. A silo that joins later or lost its
/// copy fetches on its first miss; nothing has to reach it in time. Tokens removed are forgotten within
/// <see cref="MaxAge"/>, since a copy that old is fetched again on the next request, even one it can answer.
/// </remarks>
public sealed class Http01Tokens(IGrainFactory grains, TimeProvider clock)
{
    /// <summary>A miss fetches the list again at most this often.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after presenting a token every silo is sure to serve it.</summary>
    public static readonly TimeSpan PropagationDelay = RefreshInterval + TimeSpan.FromMilliseconds(200);

    /// <summary>A copy older than this is fetched again on the next request.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    /// <summary>The directory is asked with this bound, so a request never waits long on it.</summary>
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, Http01Token> _tokens = new Dictionary<string, Http01Token>();
    /// <summary>When the fetch behind <see cref="_tokens"/> (or the one in flight) started; null before the first.</summary>
    private long? _fetchStarted;
    private Task? _fetch;

    /// <summary>Fetches of the directory's list so far (a test reads it to show strangers do not cause them).</summary>
    public int Fetches => Volatile.Read(ref _fetches);
    private int _fetches;

    /// <summary>What to serve for <paramref name="token"/>; null when this silo knows no such token.</summary>
    public async Task<Http01Token?> FindAsync(string token, CancellationToken ct)
    {
        Task? fetch;
        lock (_gate)
        {
            var age = _fetchStarted is { } started ? clock.GetElapsedTime(started) : (TimeSpan?)null;
            if (_tokens.TryGetValue(token, out var known) && age < MaxAge)
                return known;
            if (age < RefreshInterval)
            {
                // Fetched a moment ago: wait for that fetch if it is still under way, else the token is not there.
                if (_fetch is not { IsCompleted: false } underWay)
                    return null;
                fetch = underWay;
            }
            else
            {
                _fetchStarted = clock.GetTimestamp();
                fetch = _fetch = Task.Run(FetchAsync); // started outside this lock, which the fetch takes when done
            }
        }
        await fetch.WaitAsync(ct);
        lock (_gate)
            return _tokens.GetValueOrDefault(token);
    }

    private async Task FetchAsync()
    {
        Interlocked.Increment(ref _fetches);
        try
        {
            var snapshot = await grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey)
                .GetAllAsync().WaitAsync(FetchTimeout);
            lock (_gate)
                _tokens = snapshot.Tokens;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // Keep the last copy; the next miss after the interval asks again.
        }
    }
}
