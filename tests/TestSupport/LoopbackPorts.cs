using System.Net;
using System.Net.Sockets;

namespace CertFleet.TestSupport;

/// <summary>Picks free 127.0.0.1 ports for child processes to bind.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct ports, each free for both TCP and UDP at the time of the call (DNS needs both).
    /// All are held until every one is found, so they don't collide with each other; another process could still
    /// take one before the child binds it, which is rare enough for tests.
    /// </summary>
    public static int[] Allocate(int count)
    {
        var held = new List<IDisposable>();
        var ports = new List<int>();
        try
        {
            while (ports.Count < count)
            {
                var tcp = new TcpListener(IPAddress.Loopback, 0);
                tcp.Start();
                held.Add(tcp.Server);
                var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
                try
                {
                    held.Add(new UdpClient(new IPEndPoint(IPAddress.Loopback, port)));
                    ports.Add(port);
                }
                catch (SocketException)
                {
                    // UDP side taken: keep the TCP listener held so it isn't offered again, and try another.
                }
            }
            return ports.ToArray();
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
