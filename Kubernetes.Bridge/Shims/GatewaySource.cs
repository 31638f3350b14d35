using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>
/// Gateways through gateway.networking.k8s.io v1, or v1beta1 where the installed Gateway API predates v1 (both
/// versions hold the same objects, so one of them is watched). The version is chosen again at every list.
/// </summary>
public sealed class GatewaySource(ClusterConnection connection, ILogger logger) : IResourceSource
{
    private static readonly string[] Versions = ["v1", "v1beta1"];

    private IResourceSource _current = Source(connection, Versions[0], logger);

    public string Resource => _current.Resource;

    public async Task<ResourceSnapshot> ListAsync(CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            var source = Source(connection, Versions[i], logger);
            try
            {
                var snapshot = await source.ListAsync(ct);
                _current = source;
                return snapshot;
            }
            catch (Exception exception) when (i + 1 < Versions.Length && ApiError.From(exception) is { IsNotFound: true })
            {
                // This version is not served here: try the older one.
            }
        }
    }

    public IAsyncEnumerable<(WatchEventType Type, ObservedObject Object)> WatchAsync(string resourceVersion,
        Action<Exception> onError, CancellationToken ct) => _current.WatchAsync(resourceVersion, onError, ct);

    private static CustomResourceSource Source(ClusterConnection connection, string version, ILogger logger) =>
        new(connection, ResourceKind.Gateway with { Version = version }, json => IngressLike.ReadGateway(json), logger);
}
