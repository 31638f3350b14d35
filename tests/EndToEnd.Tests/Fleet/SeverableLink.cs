using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// A loopback port forwarding to another, whose link can be cut: a network partition between the silos and one
/// member's API server, while the tests still reach that server directly. Cut drops every open connection (watches
/// included) and closes new ones at once until <see cref="Restore"/>.
/// </summary>
public sealed class SeverableLink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public SeverableLink(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public void Cut()
    {
        _cut = true;
        foreach (var client in _open.Keys)
            client.Close();
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
                _ = ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var backend = new TcpClient();
        try
        {
            if (_cut)
                return;
            _open[client] = 0;
            _open[backend] = 0;
            await backend.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var inbound = client.GetStream();
            var outbound = backend.GetStream();
            await Task.WhenAny(inbound.CopyToAsync(outbound, _stop.Token), outbound.CopyToAsync(inbound, _stop.Token));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException
                                      or InvalidOperationException)
        {
            // One side went away, or the link was cut.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(backend, out _);
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Cut();
        _stop.Dispose();
    }
}
