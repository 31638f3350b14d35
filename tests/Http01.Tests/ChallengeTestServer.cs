using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace CertFleet.Http01.Tests;

/// <summary>
/// pebble-challtestsrv as a loopback DNS server whose A records the tests set. Names it was not told about get no
/// addresses (the default answers are turned off).
/// </summary>
public sealed class ChallengeTestServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/pebble-challtestsrv";

    private readonly Process _process;
    private readonly HttpClient _management;

    private ChallengeTestServer(Process process, int dnsPort, int managementPort)
    {
        _process = process;
        DnsEndpoint = $"127.0.0.1:{dnsPort}";
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>"127.0.0.1:port", as the self-check's Nameservers setting takes it.</summary>
    public string DnsEndpoint { get; }

    public static async Task<ChallengeTestServer> StartAsync()
    {
        var (dnsPort, managementPort) = (FreePort(), FreePort());
        var process = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList =
            {
                "-dns01", $"127.0.0.1:{dnsPort}", "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", $"127.0.0.1:{managementPort}", "-defaultIPv4", "", "-defaultIPv6", "",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"could not start {Executable}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new ChallengeTestServer(process, dnsPort, managementPort);
        await server.WaitUntilReadyAsync();
        return server;
    }

    public async Task AddARecordAsync(string host, params string[] addresses)
    {
        using var response = await _management.PostAsJsonAsync("/add-a", new { host = host.TrimEnd('.') + ".", addresses });
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        _management.Dispose();
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                // Any answer from the management API means both listeners are up.
                using var response = await _management.PostAsJsonAsync("/clear-a", new { host = "ready.test." });
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
