using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The Silo's kubectl-certfleet script linked onto PATH (once per test run), so kubectl finds and runs the plugin as
/// a user's kubectl would.
/// </summary>
public static class KubectlPlugin
{
    private static readonly Lazy<string> Directory = new(() =>
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("certfleet-plugin-").FullName;
        File.CreateSymbolicLink(Path.Combine(dir, "kubectl-certfleet"), RepositoryCheckout.Built("Silo", "kubectl-certfleet"));
        return dir;
    });

    /// <summary><c>kubectl certfleet ARGS</c> with <paramref name="environment"/> (a fixture's kubectl environment).</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        environment["PATH"] = Directory.Value + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        return Processes.RunAsync("kubectl", ["certfleet", .. args], environment);
    }
}
