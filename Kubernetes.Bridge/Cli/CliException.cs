namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>A failure the CLI reports as one line on standard error and an exit code, never as a stack trace.</summary>
public sealed class CliException(string message, int exitCode) : Exception(message)
{
    /// <summary>The object does not exist, the API refused, or the cluster could not be reached.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int BadUsage = 2;

    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(message, BadUsage);

    public static CliException Failure(string message) => new(message, Failed);
}
