using System.Collections;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// The logging scope of the bridge's work for one member cluster (its watch, dispatcher and writes): a Cluster field,
/// as grain lines carry in their object scope, so JSON logs of a fleet can be filtered by cluster.
/// </summary>
public sealed class ClusterLogScope(string cluster) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?> _field = new("Cluster", cluster);

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? _field : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Opens the scope on <paramref name="logger"/>'s factory: every logger of it sees the field until disposed.</summary>
    public static IDisposable? Begin(ILogger logger, string cluster) => logger.BeginScope(new ClusterLogScope(cluster));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return _field;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"cluster {_field.Value}";
}
