using System.Globalization;
using CertFleet.TestSupport;

namespace CertFleet.Durability.Tests;

/// <summary>The real certfleet-silo executable, configured only through CertFleet__ environment variables as in a pod.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly int _httpPort;

    private SiloProcess(ChildProcess process, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _httpPort = httpPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public static SiloProcess Start(string kubeconfig, RedisServer redis, string serviceId)
    {
        var ports = LoopbackPorts.Allocate(5);
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        var process = ChildProcess.Start("dotnet", [RepositoryCheckout.Built("Silo", "certfleet-silo.dll")], new Dictionary<string, string>
        {
            ["KUBECONFIG"] = kubeconfig,
            // Unset: the silo must advertise loopback, as on a developer machine.
            ["POD_IP"] = "",
            ["CertFleet__Storage"] = "redis",
            ["CertFleet__Redis__ConnectionString"] = redis.ConnectionString,
            ["CertFleet__Orleans__ServiceId"] = serviceId,
            ["CertFleet__Orleans__ClusterId"] = serviceId,
            ["CertFleet__Orleans__SiloPort"] = Text(ports[0]),
            ["CertFleet__Orleans__GatewayPort"] = Text(ports[1]),
            ["CertFleet__Http__Port"] = Text(ports[2]),
            ["CertFleet__Http01__SolverPort"] = Text(ports[3]),
            ["CertFleet__Metrics__Port"] = Text(ports[4]),
        });
        return new SiloProcess(process, ports[0], ports[1], ports[2]);
    }

    public async Task<bool> IsReadyAsync() => (await HealthAsync("ready")).Status == 200;

    /// <summary>The answer of /health/<paramref name="probe"/> (live, ready or startup); status 0 when none came.</summary>
    public async Task<(int Status, string Body)> HealthAsync(string probe)
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"the silo on port {SiloPort} exited:\n{Output}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{_httpPort}/health/{probe}");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ex.Message);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
