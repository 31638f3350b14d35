using CertFleet.KubeEmulator;
using CertFleet.TestSupport;
using k8s;
using k8s.Models;

namespace CertFleet.Chart.Tests;

/// <summary>An in-process API emulator for the chart's tests, with a client and kubectl (own discovery cache) against it.</summary>
public sealed class ChartEmulator : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("certfleet-chart-");

    public KubeEmulatorServer Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    /// <summary>A scratch folder removed with the fixture.</summary>
    public string WorkDirectory => _work.FullName;

    public async Task InitializeAsync()
    {
        Server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _work.Delete(recursive: true);
    }

    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Runs kubectl against the emulator; returns its exit code and combined output.</summary>
    public async Task<(int ExitCode, string Output)> KubectlAsync(params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["KUBECONFIG"] = Server.KubeconfigPath,
            ["KUBECACHEDIR"] = Path.Combine(WorkDirectory, "kubectl-cache"),
        };
        await using var kubectl = ChildProcess.Start("kubectl", arguments, environment);
        var exitCode = await kubectl.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return (exitCode, kubectl.Output);
    }

    public Task<(int ExitCode, string Output)> HelmAsync(params string[] arguments) =>
        HelmCli.RunAsync(arguments, Server.KubeconfigPath);

    /// <summary>The ServiceMonitor CRD a cluster with the Prometheus Operator has (the chart's production values use it).</summary>
    public async Task InstallServiceMonitorCrdAsync()
    {
        var (exitCode, output) = await KubectlAsync("apply", "-f", Path.Combine(AppContext.BaseDirectory, "servicemonitor-crd.yaml"));
        Assert.True(exitCode == 0, output);
    }
}
