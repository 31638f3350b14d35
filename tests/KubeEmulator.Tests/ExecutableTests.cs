using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using k8s;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>The kube-emulator executable, as run-conformance.sh and make demo start it.</summary>
public sealed class ExecutableTests
{
    [Fact]
    public async Task Executable_listens_on_the_requested_port_prints_its_URL_and_writes_a_kubeconfig()
    {
        var directory = Directory.CreateTempSubdirectory("kube-emulator-exe-");
        var kubeconfig = Path.Combine(directory.FullName, "nested", "kubeconfig");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "kube-emulator.dll"), "--port", port.ToString(), "--kubeconfig", kubeconfig })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var url = await process.StandardOutput.ReadLineAsync(timeout.Token);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: timeout.Token);

            Assert.Equal($"https://127.0.0.1:{port}", url);
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Executable_rejects_unknown_arguments()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kube-emulator.dll"));
        start.ArgumentList.Add("--bogus");
        using var process = Process.Start(start)!;

        var usage = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("usage: kube-emulator", usage);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
