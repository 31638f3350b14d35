using System.Collections.Concurrent;

namespace CertFleet.Kubernetes.Bridge.Metrics;

/// <summary>
/// cert-manager's <c>controller_sync_call_count</c> and <c>controller_sync_error_count</c>: one sync is one watched
/// change delivered to its grain, counted under the controller named after the resource's plural ("certificates",
/// "issuers", "clusterissuers", "orders", "challenges", ...); an error is a delivery that failed and will be retried.
/// Counted per member cluster whose watch delivered the change (CertFleet's <c>cluster</c> label).
/// </summary>
public sealed class ControllerSyncs
{
    private readonly ConcurrentDictionary<(string Cluster, string Controller), Counts> _controllers = new();

    /// <summary>Totals since the silo started, by cluster and controller.</summary>
    public IReadOnlyDictionary<(string Cluster, string Controller), (long Calls, long Errors)> Totals =>
        _controllers.ToDictionary(entry => entry.Key, entry => (Interlocked.Read(ref entry.Value.Calls), Interlocked.Read(ref entry.Value.Errors)));

    /// <summary>Delivers through <paramref name="deliver"/>, counting the call and, if it throws, the error.</summary>
    public async Task CountAsync(string cluster, string resource, Func<Task> deliver)
    {
        var counts = _controllers.GetOrAdd((cluster, ControllerOf(resource)), _ => new Counts());
        Interlocked.Increment(ref counts.Calls);
        try
        {
            await deliver();
        }
        catch
        {
            Interlocked.Increment(ref counts.Errors);
            throw;
        }
    }

    /// <summary>"certificates.cert-manager.io" → "certificates".</summary>
    public static string ControllerOf(string resource) => resource.Split('.', 2)[0];

    private sealed class Counts
    {
        public long Calls;
        public long Errors;
    }
}
