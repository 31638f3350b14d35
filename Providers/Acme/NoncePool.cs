using System.Collections.Concurrent;

namespace CertFleet.Providers.Acme;

/// <summary>Replay-Nonce values collected from responses, each handed out once; bounded so idle clients don't hoard stale ones.</summary>
internal sealed class NoncePool
{
    private const int Capacity = 32;
    private readonly ConcurrentQueue<string> _nonces = new();

    public void Add(string nonce)
    {
        _nonces.Enqueue(nonce);
        // Oldest first: they are the likeliest to have expired server-side.
        while (_nonces.Count > Capacity && _nonces.TryDequeue(out _))
        {
        }
    }

    public bool TryTake(out string nonce) => _nonces.TryDequeue(out nonce!);
}
