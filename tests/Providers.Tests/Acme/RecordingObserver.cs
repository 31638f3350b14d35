using System.Collections.Concurrent;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>Keeps every reported request, in order.</summary>
internal sealed class RecordingObserver : IAcmeRequestObserver
{
    public ConcurrentQueue<AcmeExchange> Exchanges { get; } = new();

    public IEnumerable<(string Action, string Method, int Status)> Calls =>
        Exchanges.Select(e => (e.Action, e.Method, e.StatusCode));

    public void Completed(AcmeExchange exchange) => Exchanges.Enqueue(exchange);
}
