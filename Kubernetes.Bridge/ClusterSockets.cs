using System.Net.Sockets;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// The TCP connections of one cluster's client, so that <see cref="CloseAll"/> ends them when the cluster leaves the
/// fleet: KubernetesClient does not always dispose a watch it stopped reading, and such a stream would stay open on the
/// server (and keep receiving bookmarks) until its timeout, minutes later.
/// </summary>
public sealed class ClusterSockets
{
    private readonly HashSet<Socket> _open = [];
    private bool _closed;

    /// <summary>Makes <paramref name="configuration"/>'s client open its connections through this.</summary>
    public void Attach(k8s.KubernetesClientConfiguration configuration)
    {
        var setup = configuration.FirstMessageHandlerSetup;
        configuration.FirstMessageHandlerSetup = handler =>
        {
            setup?.Invoke(handler);
            if (handler is SocketsHttpHandler sockets)
                sockets.ConnectCallback = ConnectAsync;
        };
    }

    /// <summary>Closes every connection, and refuses new ones: the cluster is no longer talked to.</summary>
    public void CloseAll()
    {
        List<Socket> open;
        lock (_open)
        {
            _closed = true;
            open = [.. _open];
            _open.Clear();
        }
        foreach (var socket in open)
            socket.Dispose();
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            lock (_open)
            {
                if (_closed)
                    throw new ObjectDisposedException(nameof(ClusterSockets), "the cluster left the fleet");
                _open.Add(socket);
            }
            return new TrackedStream(socket, this);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Forget(Socket socket)
    {
        lock (_open)
        {
            _open.Remove(socket);
        }
    }

    private sealed class TrackedStream(Socket socket, ClusterSockets owner) : NetworkStream(socket, ownsSocket: true)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
                owner.Forget(Socket);
            base.Dispose(disposing);
        }
    }
}
