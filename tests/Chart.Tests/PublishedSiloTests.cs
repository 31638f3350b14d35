using System.Diagnostics;
using System.Globalization;
using CertFleet.KubeEmulator;
using CertFleet.TestSupport;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace CertFleet.Chart.Tests;

/// <summary>
/// The published silo started as the image starts it (`dotnet certfleet-silo.dll` from a read-only folder, the
/// Dockerfile's environment, only TMPDIR writable; as the image's UID 65532 when the tests run as root, who could
/// write anywhere) against the API emulator with the chart's CRDs: it serves /health/live and watches the API.
/// </summary>
public sealed class PublishedSiloTests(PublishedSilo published, ITestOutputHelper output) : IClassFixture<PublishedSilo>
{
    [Fact]
    public async Task Published_silo_starts_from_a_read_only_folder_and_serves_health()
    {
        output.WriteLine($"dotnet publish of Silo: {published.PublishTime.TotalSeconds:F1} s");
        Assert.True(File.Exists(Path.Combine(published.Folder, "certfleet-silo.dll")));
        Assert.True(File.Exists(Path.Combine(published.Folder, "appsettings.json")));
        Assert.Equal(default, new DirectoryInfo(published.Folder).UnixFileMode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        var before = Snapshot(published.Folder);

        await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(api.KubeconfigPath));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "cert-manager" } });
        await using (var kubectl = ChildProcess.Start("kubectl", ["apply", "-f", RepositoryCheckout.Crds],
                         new Dictionary<string, string> { ["KUBECONFIG"] = api.KubeconfigPath }))
            Assert.True(await kubectl.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, kubectl.Output);

        // A copy the silo's user can read (the emulator's own is private to this process' user).
        var kubeconfig = Path.Combine(published.Tmp, "kubeconfig");
        File.Copy(api.KubeconfigPath, kubeconfig, overwrite: true);
        File.SetUnixFileMode(kubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var ports = LoopbackPorts.Allocate(5);
        var environment = new Dictionary<string, string>
        {
            // What the Dockerfile sets, with /tmp being the chart's emptyDir.
            ["DOTNET_EnableDiagnostics"] = "0",
            ["TMPDIR"] = published.Tmp,
            ["HOME"] = published.Tmp,
            ["KUBECONFIG"] = kubeconfig,
            ["CertFleet__Storage"] = "memory",
            ["CertFleet__Http__Port"] = Text(ports[0]),
            ["CertFleet__Http01__SolverPort"] = Text(ports[1]),
            ["CertFleet__Metrics__Port"] = Text(ports[2]),
            ["CertFleet__Orleans__SiloPort"] = Text(ports[3]),
            ["CertFleet__Orleans__GatewayPort"] = Text(ports[4]),
        };
        var watch = Stopwatch.StartNew();
        string[] command = ["dotnet", Path.Combine(published.Folder, "certfleet-silo.dll")];
        await using var silo = geteuid() == 0
            ? ChildProcess.Start("setpriv", ["--reuid=65532", "--regid=65532", "--clear-groups", .. command], environment)
            : ChildProcess.Start(command[0], command[1..], environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var live = false;
        while (!live && !silo.HasExited && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                live = (await http.GetAsync($"http://127.0.0.1:{ports[0]}/health/live")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (!live)
                await Task.Delay(250);
        }
        output.WriteLine($"published silo live after {watch.Elapsed.TotalSeconds:F1} s");

        Assert.True(live, $"the published silo never answered /health/live (exited: {silo.HasExited}):\n{silo.Output}");
        Assert.Contains("CertFleet silo", await http.GetStringAsync($"http://127.0.0.1:{ports[0]}/"));
        Assert.Contains("certmanager_", await http.GetStringAsync($"http://127.0.0.1:{ports[2]}/metrics"));
        // It leads (one silo) and watches the API: the controller Lease exists.
        await Eventually(async () => (await client.CoordinationV1.ListNamespacedLeaseAsync("cert-manager")).Items.Count > 0,
            $"the silo to take the controller Lease:\n{silo.Output}");
        Assert.False(silo.HasExited, silo.Output);
        Assert.DoesNotContain("UnauthorizedAccessException", silo.Output);
        Assert.Equal(before, Snapshot(published.Folder));
    }

    /// <summary>Every file under <paramref name="folder"/> with its size and last write, to show nothing was written there.</summary>
    private static List<string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(path => new FileInfo(path))
            .Select(file => $"{file.FullName} {(file.Exists ? file.Length : -1)} {file.LastWriteTimeUtc:O}")
            .Order(StringComparer.Ordinal)
            .ToList();

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task Eventually(Func<Task<bool>> condition, string description)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {description}");
            await Task.Delay(250);
        }
    }
}
