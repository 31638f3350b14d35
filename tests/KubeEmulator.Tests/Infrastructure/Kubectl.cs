using System.Diagnostics;

namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>What a kubectl run printed.</summary>
public sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    /// <summary>stdout and stderr together, as a user sees them.</summary>
    public string All => Output + Error;
}

/// <summary>Runs the real kubectl against an emulator, with its own discovery cache (KUBECACHEDIR) per instance.</summary>
public sealed class Kubectl : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _kubeconfig;
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("kubectl-cache-");

    public Kubectl(KubeEmulatorServer server) => _kubeconfig = server.KubeconfigPath;

    /// <summary>Runs kubectl with whitespace-separated arguments (no quoting: use the list overload for those).</summary>
    public Task<KubectlResult> RunAsync(string arguments, string? input = null) =>
        RunAsync(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), input);

    public async Task<KubectlResult> RunAsync(IReadOnlyList<string> arguments, string? input = null)
    {
        var start = new ProcessStartInfo("kubectl", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["KUBECONFIG"] = _kubeconfig;
        start.Environment["KUBECACHEDIR"] = _cache.FullName;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {string.Join(' ', arguments)} did not finish within {Timeout}");
        }
        return new KubectlResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs kubectl and fails the test unless it exits 0.</summary>
    public Task<string> SucceedsAsync(string arguments, string? input = null) =>
        SucceedsAsync(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), input);

    public async Task<string> SucceedsAsync(IReadOnlyList<string> arguments, string? input = null)
    {
        var result = await RunAsync(arguments, input);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} exited {result.ExitCode}: {result.All}");
        return result.Output;
    }

    public void Dispose() => _cache.Delete(recursive: true);
}
