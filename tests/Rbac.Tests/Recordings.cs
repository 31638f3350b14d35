using CertFleet.KubeEmulator.Audit;
using CertFleet.TestSupport;

namespace CertFleet.Rbac.Tests;

/// <summary>
/// What the silo asked of the emulator during this run of tests/scripts/test.sh: every JSON-lines file in
/// CERTFLEET_RBAC_AUDIT_DIR, written by the end-to-end fixtures and the Durability suite's silo processes.
/// </summary>
public static class Recordings
{
    /// <summary>Each suite that starts silos against an audited emulator, by the file-name prefix its logs get.</summary>
    public static readonly string[] ExpectedSources =
    [
        "ClusterTests", // Durability: two silos sharing Redis
        "ControllerFixture", "AcmeFixture", "HardAcmeFixture", "Rfc2136AcmeFixture", "AriFixture", "CrashFixture",
        "FaultMatrixFixture", "SecretsFixture",
    ];

    private static readonly Lazy<IReadOnlyList<AccessRecord>> All = new(Load);

    public static IReadOnlyList<AccessRecord> Load() => Load(RbacAudit.RunDirectory);

    /// <summary>The records, or an exception saying what is missing (never an empty set that would prove nothing).</summary>
    public static IReadOnlyList<AccessRecord> Load(string? directory)
    {
        if (directory is null)
            throw new InvalidOperationException(
                $"{RbacAudit.DirectoryVariable} is not set: this check reads what the end-to-end and Durability suites recorded " +
                "in the same run. Run `make test` (tests/scripts/test.sh sets it and runs this project last), or set it to the " +
                "folder of a run of those suites.");
        if (!Directory.Exists(directory))
            throw new InvalidOperationException($"{RbacAudit.DirectoryVariable}={directory} does not exist: the suites that record ran nowhere in this run.");
        var files = Directory.GetFiles(directory, "*.jsonl");
        var missing = ExpectedSources.Where(source => !files.Any(f => Path.GetFileName(f).StartsWith(source + "-", StringComparison.Ordinal))).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"no recordings from {string.Join(", ", missing)} in {directory} ({files.Length} files): the whole end-to-end " +
                "and Durability suites must run before this check, in the same `make test`.");
        var records = files.SelectMany(AccessLog.Read).Distinct().ToList();
        if (records.Count == 0)
            throw new InvalidOperationException($"the recordings in {directory} are empty");
        return records;
    }

    public static IReadOnlyList<AccessRecord> OfThisRun => All.Value;
}
