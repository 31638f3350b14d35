using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// One silo process of a several-silo cluster, as one pod: its identity (POD_NAME) and ports stay the same when it is
/// started again after a kill, as a container restarted in place keeps its pod's name and address.
/// </summary>
public sealed class ClusterSilo(int index, string kubeconfig, string logPath, Func<IReadOnlyDictionary<string, string>> settings)
{
    private readonly int[] _ports = LoopbackPorts.Allocate(6);
    // A scrape may wait up to 5 s for the rate-limit budgets' grains; on a loaded machine longer.
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private Process? _process;

    /// <summary>Its name in the leader-election Lease.</summary>
    public string Identity { get; } = $"silo-{index}";

    public string LogPath => logPath;

    /// <summary>This silo's HTTP-01 responder.</summary>
    public int SolverPort => _ports[4];

    /// <summary>Its dashboard and fleet page (served only where the fixture sets CertFleet__Dashboard__Enabled).</summary>
    public int DashboardPort => _ports[5];

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the silo and waits until it is ready.</summary>
    public async Task StartAsync(TimeSpan readyWithin)
    {
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>(settings())
        {
            ["KUBECONFIG"] = kubeconfig,
            ["POD_NAME"] = Identity,
            ["CertFleet__Http__Port"] = Text(_ports[0]),
            ["CertFleet__Orleans__SiloPort"] = Text(_ports[1]),
            ["CertFleet__Orleans__GatewayPort"] = Text(_ports[2]),
            ["CertFleet__Metrics__Port"] = Text(_ports[3]),
            ["CertFleet__Http01__SolverPort"] = Text(_ports[4]),
            ["CertFleet__Dashboard__Port"] = Text(_ports[5]),
        };
        File.AppendAllText(logPath, $"==== {Identity} started at {DateTimeOffset.UtcNow:O}{Environment.NewLine}");
        _process = Processes.StartDotnet(RepositoryCheckout.Built("Silo", "certfleet-silo.dll"), [], environment, logPath);
        await Processes.Eventually(async () => _process.HasExited || await IsReadyAsync(), done => done,
            $"silo {Identity} to be ready (log: {logPath})", (int)readyWithin.TotalSeconds);
        if (_process.HasExited)
            throw new Xunit.Sdk.XunitException($"silo {Identity} exited with {_process.ExitCode} at start (log: {logPath})");
    }

    /// <summary>kill -9: no shutdown, nothing flushed, its connections dropped by the kernel.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as the kubelet stops a pod, and waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan exitWithin)
    {
        var process = _process ?? throw new InvalidOperationException($"{Identity} was never started");
        if (Signal(process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"SIGTERM to {Identity} ({process.Id}) failed: errno {Marshal.GetLastPInvokeError()}");
        using var timeout = new CancellationTokenSource(exitWithin);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public async Task<bool> IsReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return (await _http.GetAsync($"http://127.0.0.1:{_ports[0]}/health/ready", timeout.Token)).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>One scrape of this silo's /metrics.</summary>
    public async Task<PrometheusScrape> ScrapeAsync() =>
        PrometheusScrape.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_ports[3]}/metrics"));

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
