using System.Collections.Concurrent;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>Stands in for the grains: records what the bridge delivers.</summary>
public sealed class RecordingReceiver : IObjectChangeReceiver
{
    private readonly ConcurrentQueue<ObjectChange> _changes = new();

    public IReadOnlyCollection<ObjectChange> Changes => _changes;

    public bool Saw(string resource, string name) => _changes.Any(c => c.Resource == resource && c.Key.Name == name);

    public Task ReceiveAsync(ObjectChange change, CancellationToken ct)
    {
        _changes.Enqueue(change);
        return Task.CompletedTask;
    }
}
