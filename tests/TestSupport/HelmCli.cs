namespace CertFleet.TestSupport;

/// <summary>
/// The helm 4 binary that tests/scripts/install-helm.sh installs (HELM names another), run against the chart in
/// helm/certfleet with a kubeconfig of the caller's choosing.
/// </summary>
public static class HelmCli
{
    public static string Chart => Path.Combine(RepositoryCheckout.Root, "helm", "certfleet");

    public static string Executable { get; } = Locate();

    /// <summary>Runs helm with <paramref name="arguments"/> and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, string? kubeconfig = null,
        TimeSpan? timeout = null)
    {
        // Helm keeps its cache, config and data under HOME's XDG folders: a private one per run keeps runs apart.
        var home = Directory.CreateTempSubdirectory("certfleet-helm-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["XDG_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["XDG_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["XDG_DATA_HOME"] = Path.Combine(home, "data"),
        };
        if (kubeconfig is not null)
            environment["KUBECONFIG"] = kubeconfig;
        await using var helm = ChildProcess.Start(Executable, arguments, environment);
        try
        {
            var exitCode = await helm.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(2));
            return (exitCode, helm.Output);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string Locate()
    {
        var named = Environment.GetEnvironmentVariable("HELM");
        if (!string.IsNullOrEmpty(named))
            return named;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, "helm");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException("helm is not installed: run tests/scripts/install-helm.sh (or set HELM to a helm 4 binary)");
    }
}
