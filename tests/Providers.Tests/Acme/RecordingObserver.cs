using System.Collections.Concurrent;
using CertFleet.Providers.Acme;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>Keeps every reported request, in order.</summary>
internal sealed class RecordingObserver : IAcmeRequestObserver
{
    public ConcurrentQueue<(string Action, string Method, int Status)> Calls { get; } = new();

    public void Completed(string action, string method, int statusCode, TimeSpan duration) => Calls.Enqueue((action, method, statusCode));
}
