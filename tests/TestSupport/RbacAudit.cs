namespace CertFleet.TestSupport;

/// <summary>
/// Where the suites that start a silo against the emulator keep what the silo asked of the API (one JSON-lines file
/// per emulator, see tests/KubeEmulator/Audit): the folder tests/scripts/test.sh names in CERTFLEET_RBAC_AUDIT_DIR
/// for the whole run, which tests/Rbac.Tests then checks against the chart's RBAC; a temporary folder otherwise.
/// </summary>
public static class RbacAudit
{
    public const string DirectoryVariable = "CERTFLEET_RBAC_AUDIT_DIR";

    /// <summary>The folder named by <see cref="DirectoryVariable"/>, or null when unset.</summary>
    public static string? RunDirectory => Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } named ? named : null;

    private static readonly Lazy<string> Folder = new(() =>
        Directory.CreateDirectory(RunDirectory ?? Path.Combine(Path.GetTempPath(), $"certfleet-rbac-audit-{Environment.ProcessId}")).FullName);

    /// <summary>A fresh log file for one emulator; <paramref name="source"/> (e.g. the fixture's type) starts its name.</summary>
    public static string NewLogPath(string source) => Path.Combine(Folder.Value, $"{source}-{Guid.NewGuid():N}.jsonl");
}
