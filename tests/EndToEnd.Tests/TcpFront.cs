using System.Net;
using System.Net.Sockets;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// One loopback port in front of several silos' ports, as a Service is in front of pods: each connection goes to the
/// next backend that accepts it, so a killed silo is skipped.
/// </summary>
public sealed class TcpFront : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<IReadOnlyList<int>> _backends;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _next;

    public TcpFront(int port, Func<IReadOnlyList<int>> backends)
    {
        _backends = backends;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

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
        using (client)
        {
            var backends = _backends();
            for (var tried = 0; tried < backends.Count; tried++)
            {
                using var backend = new TcpClient();
                try
                {
                    await backend.ConnectAsync(IPAddress.Loopback, backends[(int)((uint)Interlocked.Increment(ref _next) % backends.Count)], _stop.Token);
                }
                catch (SocketException)
                {
                    continue; // that silo is down: the next one
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    var inbound = client.GetStream();
                    var outbound = backend.GetStream();
                    await Task.WhenAny(inbound.CopyToAsync(outbound, _stop.Token), outbound.CopyToAsync(inbound, _stop.Token));
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                {
                    // One side went away.
                }
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
