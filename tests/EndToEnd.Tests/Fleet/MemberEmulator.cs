using System.Diagnostics;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// One member cluster of the fleet: an API emulator of its own with CertFleet's CRDs, reached by the tests with
/// <see cref="Kubeconfig"/> and by the silos with <see cref="SiloKubeconfig"/> (the identity the cluster Secret carries;
/// its requests are recorded for tests/Rbac.Tests like the home cluster's).
/// </summary>
public sealed class MemberEmulator : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _process;

    private MemberEmulator(string name, string dir)
    {
        Name = name;
        _dir = dir;
    }

    /// <summary>The cluster's name in the fleet (annotation certfleet.io/cluster-name of its Secret).</summary>
    public string Name { get; }

    public string Kubeconfig => Path.Combine(_dir, "kubeconfig");

    public string SiloKubeconfig => Path.Combine(_dir, "silo-kubeconfig");

    public string Log => Path.Combine(_dir, "emulator.log");

    /// <summary>Faults and counters (GET /emulator/stats: "requests" counts every API request, the silos' included).</summary>
    public EmulatorAdmin Admin { get; private set; } = null!;

    public bool IsRunning => _process is { HasExited: false };

    public Dictionary<string, string> KubectlEnvironment => new()
    {
        ["KUBECONFIG"] = Kubeconfig,
        ["KUBECACHEDIR"] = Path.Combine(_dir, "kube-cache"),
    };

    /// <summary>Starts an emulator with CertFleet's CRDs and the cert-manager namespace.</summary>
    public static async Task<MemberEmulator> StartAsync(string name, string parentDirectory)
    {
        var member = new MemberEmulator(name, Directory.CreateDirectory(Path.Combine(parentDirectory, $"member-{name}")).FullName);
        await member.StartProcessAsync();
        var crds = RepositoryCheckout.Crds;
        await member.MustAsync("apply", "-f", crds);
        foreach (var file in Directory.GetFiles(crds, "*.yaml"))
            await member.MustAsync("wait", "--for=condition=Established", $"crd/{Path.GetFileNameWithoutExtension(file)}", "--timeout=30s");
        await member.MustAsync("create", "namespace", "cert-manager");
        return member;
    }

    private async Task StartProcessAsync()
    {
        File.Delete(Kubeconfig);
        _process = Processes.StartDotnet(RepositoryCheckout.Built("tests/KubeEmulator", "kube-emulator.dll"),
            ["--port", "0", "--kubeconfig", Kubeconfig, "--audit-kubeconfig", SiloKubeconfig,
                "--audit-log", RbacAudit.NewLogPath($"FleetMember-{Name}")],
            new Dictionary<string, string>(), Log);
        await Processes.Eventually(() => Task.FromResult(File.Exists(Kubeconfig) && new FileInfo(Kubeconfig).Length > 0),
            ok => ok, $"member {Name}'s kubeconfig (log: {Log})", 30);
        await Processes.Eventually(async () => (await KubectlAsync("get", "namespaces")).ExitCode, code => code == 0,
            $"kubectl to reach member {Name}", 30);
        Admin?.Dispose();
        Admin = await EmulatorAdmin.ForKubeconfigAsync(Kubeconfig);
    }

    /// <summary>
    /// API requests this emulator has received: the tests' kubectl calls and this very read included (make no other
    /// while counting).
    /// </summary>
    public Task<long> RequestsAsync() => Admin.CounterAsync("requests");

    public Task<(int ExitCode, string Output, string Error)> KubectlAsync(params string[] args) =>
        Processes.RunAsync("kubectl", args, KubectlEnvironment);

    public async Task<string> MustAsync(params string[] args)
    {
        var (code, output, error) = await KubectlAsync(args);
        if (code != 0)
            throw new Xunit.Sdk.XunitException($"kubectl (member {Name}) {string.Join(' ', args)} failed ({code}): {error}{output}");
        return output;
    }

    public async Task MustApplyAsync(string yaml)
    {
        var (code, output, error) = await Processes.RunAsync("kubectl", ["apply", "-f", "-"], KubectlEnvironment, yaml);
        if (code != 0)
            throw new Xunit.Sdk.XunitException($"kubectl apply (member {Name}) failed ({code}): {error}{output}");
    }

    public async Task<string> NamespaceAsync()
    {
        var ns = $"e2e-{Guid.NewGuid():N}"[..16];
        await MustAsync("create", "namespace", ns);
        return ns;
    }

    /// <summary>kill -9 of the emulator: the member becomes unreachable (its objects are lost with it).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Admin?.Dispose();
    }
}
