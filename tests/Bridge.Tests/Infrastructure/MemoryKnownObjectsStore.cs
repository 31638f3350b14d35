using System.Collections.Concurrent;
using CertFleet.Kubernetes.Bridge.Dispatch;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>Known objects kept in memory, shared by the bridges of one test as Redis is shared by silos.</summary>
public sealed class MemoryKnownObjectsStore : IKnownObjectsStore
{
    private readonly ConcurrentDictionary<(string Cluster, string Resource), Dictionary<string, string>> _resources = new();

    /// <summary>When set, every call fails, as a store that is down does.</summary>
    public volatile bool Unavailable;

    public Task<IReadOnlyDictionary<string, string>> LoadAsync(string cluster, string resource)
    {
        if (Unavailable)
            throw new InvalidOperationException("the store is down");
        var uids = Resource(cluster, resource);
        lock (uids)
            return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>(uids));
    }

    public Task ApplyAsync(string cluster, string resource, IReadOnlyDictionary<string, string?> changes)
    {
        if (Unavailable)
            throw new InvalidOperationException("the store is down");
        var uids = Resource(cluster, resource);
        lock (uids)
        {
            foreach (var (id, uid) in changes)
            {
                if (uid is null)
                    uids.Remove(id);
                else
                    uids[id] = uid;
            }
        }
        return Task.CompletedTask;
    }

    public IReadOnlyDictionary<string, string> Known(string cluster, string resource)
    {
        var uids = Resource(cluster, resource);
        lock (uids)
            return new Dictionary<string, string>(uids);
    }

    private Dictionary<string, string> Resource(string cluster, string resource) =>
        _resources.GetOrAdd((cluster, resource), _ => new Dictionary<string, string>());
}
