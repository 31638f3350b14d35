using System.Diagnostics;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The Kubernetes API emulator and one CertFleet silo, both as real processes, with CertFleet's CRDs applied through
/// kubectl as a user would. Tests work in namespaces of their own.
/// </summary>
public class ControllerFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("certfleet-e2e-").FullName;
    private Process? _emulator;
    private Process? _silo;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private int _siloHttpPort;

    /// <summary>The silo's metrics port (cert-manager's 9402 in production); kept across restarts.</summary>
    public int MetricsPort { get; private set; } = Processes.FreePort();

    public int SiloHttpPort => _siloHttpPort;

    /// <summary>One scrape of the silo's /metrics.</summary>
    public async Task<PrometheusScrape> ScrapeAsync() =>
        PrometheusScrape.Parse(await _http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics"));

    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    /// <summary>The tests' own identity (kubectl, clients).</summary>
    public string Kubeconfig => Path.Combine(_dir, "kubeconfig");

    /// <summary>The silo's identity: every request made with it is recorded for tests/Rbac.Tests (see RbacAudit).</summary>
    public string SiloKubeconfig => Path.Combine(_dir, "silo-kubeconfig");
    public string SiloLog => Path.Combine(_dir, "silo.log");

    /// <summary>Where the silo reads "its own" service account token (a pod's projected token; tests write it).</summary>
    public string ServiceAccountTokenFile => Path.Combine(_dir, "serviceaccount-token");
    public Dictionary<string, string> KubectlEnvironment => new()
    {
        ["KUBECONFIG"] = Kubeconfig,
        ["KUBECACHEDIR"] = Path.Combine(_dir, "kube-cache"),
    };

    public async Task InitializeAsync()
    {
        _emulator = Processes.StartDotnet(RepositoryCheckout.Built("tests/KubeEmulator", "kube-emulator.dll"),
            ["--port", "0", "--kubeconfig", Kubeconfig, "--audit-kubeconfig", SiloKubeconfig, "--audit-log", RbacAudit.NewLogPath(GetType().Name)],
            new Dictionary<string, string>(), Path.Combine(_dir, "emulator.log"));
        await Processes.Eventually(() => Task.FromResult(File.Exists(Kubeconfig) && new FileInfo(Kubeconfig).Length > 0),
            ok => ok, $"the emulator's kubeconfig (log: {_dir}/emulator.log)", 30);
        await Processes.Eventually(async () => (await KubectlAsync("get", "namespaces")).ExitCode, code => code == 0, "kubectl to reach the emulator", 30);

        var crds = RepositoryCheckout.Crds;
        await MustAsync("apply", "-f", crds);
        foreach (var file in Directory.GetFiles(crds, "*.yaml"))
            await MustAsync("wait", "--for=condition=Established", $"crd/{Path.GetFileNameWithoutExtension(file)}", "--timeout=30s");
        await MustAsync("create", "namespace", "cert-manager");
        await BeforeSiloAsync();
        await StartSilosAsync();
    }

    /// <summary>Starts this fixture's silo; a fixture of several silos starts them instead.</summary>
    protected virtual Task StartSilosAsync() => StartSiloAsync();

    /// <summary>Runs once the API is ready and before the silo starts (e.g. to start an ACME server).</summary>
    protected virtual Task BeforeSiloAsync() => Task.CompletedTask;

    /// <summary>The API group of the external issuer ExternalIssuerTests runs; the approver approves its signers too.</summary>
    public const string ExternalIssuerGroup = "external.certfleet.test";

    /// <summary>Extra CertFleet__... settings for the silo.</summary>
    protected virtual IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["CertFleet__Approver__SignerNames"] = $"issuers.cert-manager.io/*,clusterissuers.cert-manager.io/*,testissuers.{ExternalIssuerGroup}/*",
    };

    /// <summary>Stops what <see cref="BeforeSiloAsync"/> started.</summary>
    protected virtual ValueTask DisposeExtrasAsync() => ValueTask.CompletedTask;

    public async Task StartSiloAsync()
    {
        // A free port can be taken by another process (an outgoing connection's ephemeral port) before the silo binds
        // it; the silo then exits at start, and is started again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            if (await TryStartSiloAsync() || attempt == 3)
                break;
            MetricsPort = Processes.FreePort();
        }
        await Processes.Eventually(async () =>
        {
            try { return (await _http.GetAsync($"http://127.0.0.1:{_siloHttpPort}/health/ready")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, ok => ok, $"the silo to be ready (log: {SiloLog})", 60);
    }

    /// <summary>Starts the silo on fresh ports; false when it exited because one of them was taken meanwhile.</summary>
    private async Task<bool> TryStartSiloAsync()
    {
        _siloHttpPort = Processes.FreePort();
        var environment = SiloEnvironment(_siloHttpPort, MetricsPort);
        _silo = Processes.StartDotnet(RepositoryCheckout.Built("Silo", "certfleet-silo.dll"), [], environment, SiloLog);
        await Processes.Eventually(async () =>
        {
            if (_silo.HasExited)
                return true;
            try { return (await _http.GetAsync($"http://127.0.0.1:{_siloHttpPort}/health/ready")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, done => done, $"the silo to be ready or exit (log: {SiloLog})", 60);
        if (!_silo.HasExited)
            return true;
        await _silo.WaitForExitAsync(); // the rest of its output reaches the log
        using var log = new StreamReader(new FileStream(SiloLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return !(await log.ReadToEndAsync()).Contains("address already in use", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// One more silo of this fixture's cluster, on ports of its own, with <paramref name="overrides"/> on top of the
    /// fixture's settings; ready when this returns. The caller kills it.
    /// </summary>
    public async Task<Process> StartAnotherSiloAsync(IReadOnlyDictionary<string, string> overrides, string logName)
    {
        var httpPort = Processes.FreePort();
        var environment = SiloEnvironment(httpPort, Processes.FreePort());
        foreach (var (key, value) in overrides)
            environment[key] = value;
        var log = Path.Combine(_dir, logName);
        var silo = Processes.StartDotnet(RepositoryCheckout.Built("Silo", "certfleet-silo.dll"), [], environment, log);
        await Processes.Eventually(async () =>
        {
            if (silo.HasExited)
                throw new InvalidOperationException($"the extra silo exited at start (log: {log})");
            try { return (await _http.GetAsync($"http://127.0.0.1:{httpPort}/health/ready")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, ok => ok, $"the extra silo to be ready (log: {log})", 60);
        return silo;
    }

    private Dictionary<string, string> SiloEnvironment(int httpPort, int metricsPort)
    {
        var environment = new Dictionary<string, string>
        {
            ["KUBECONFIG"] = SiloKubeconfig,
            ["CertFleet__Vault__ServiceAccountTokenFile"] = ServiceAccountTokenFile,
            ["CertFleet__Http__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CertFleet__Orleans__SiloPort"] = Processes.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CertFleet__Orleans__GatewayPort"] = Processes.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CertFleet__Metrics__Port"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Not the default 8089, which another silo on this machine may hold; Pebble fixtures set their own.
            ["CertFleet__Http01__SolverPort"] = Processes.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in SiloSettings)
            environment[key] = value;
        return environment;
    }

    /// <summary>The running silo's process id; a different one means the silo was restarted.</summary>
    public int SiloProcessId => _silo is { HasExited: false } silo ? silo.Id : 0;

    /// <summary>Kills the silo as a crash would (in-memory grain state is lost; the cluster keeps everything).</summary>
    public async Task KillSiloAsync()
    {
        if (_silo is { HasExited: false } silo)
        {
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
        }
    }

    public Task<(int ExitCode, string Output, string Error)> KubectlAsync(params string[] args) =>
        Processes.RunAsync("kubectl", args, KubectlEnvironment);

    public Task<(int ExitCode, string Output, string Error)> ApplyAsync(string yaml) =>
        Processes.RunAsync("kubectl", ["apply", "-f", "-"], KubectlEnvironment, yaml);

    /// <summary>Applies <paramref name="yaml"/> and fails the test with kubectl's error if it is refused.</summary>
    public async Task MustApplyAsync(string yaml)
    {
        var applied = await ApplyAsync(yaml);
        Assert.True(applied.ExitCode == 0, applied.Error);
    }

    public async Task<string> MustAsync(params string[] args)
    {
        var (code, output, error) = await KubectlAsync(args);
        if (code != 0)
            throw new Xunit.Sdk.XunitException($"kubectl {string.Join(' ', args)} failed ({code}): {error}{output}");
        return output;
    }

    public async Task<string> NamespaceAsync()
    {
        var ns = $"e2e-{Guid.NewGuid():N}"[..16];
        await MustAsync("create", "namespace", ns);
        return ns;
    }

    public async Task DisposeAsync()
    {
        await KillSiloAsync();
        await DisposeExtrasAsync();
        if (_emulator is { HasExited: false } emulator)
        {
            emulator.Kill(entireProcessTree: true);
            await emulator.WaitForExitAsync();
        }
        _http.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ControllerCollection : ICollectionFixture<ControllerFixture>
{
    public const string Name = "controller";
}
