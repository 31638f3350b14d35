using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// The <c>certfleet-silo status|renew|inspect</c> commands (also <c>kubectl certfleet ...</c>), modelled on cmctl.
/// Exit code 0 on success, 1 when an object is missing or the API fails, 2 for a wrong command line.
/// </summary>
public static class CertFleetCli
{
    private static readonly string[] Verbs = ["status", "renew", "inspect", "help"];

    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public const string Usage = """
        Usage:
          certfleet-silo status certificate NAME [-n NAMESPACE] [-o json]
          certfleet-silo renew NAME... | --all | -l SELECTOR [-A] [-n NAMESPACE]
          certfleet-silo renew fleetcertificate NAME...
          certfleet-silo inspect secret NAME [-n NAMESPACE] [-o json]
        (as a kubectl plugin: kubectl certfleet status certificate NAME ...)

        Connection flags, as kubectl's: --kubeconfig PATH, --context NAME, -n/--namespace NAME.
        """;

    /// <summary>Whether the command line asks for a CLI command rather than a silo.</summary>
    public static bool Handles(IReadOnlyList<string> args) => args.Count > 0 && Verbs.Contains(args[0]);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        try
        {
            var parsed = CliArguments.Parse(args);
            if (parsed.Help || parsed.Words is ["help", ..])
            {
                output.WriteLine(Usage);
                return 0;
            }
            await RunAsync(parsed, output, time);
            return 0;
        }
        catch (CliException exception)
        {
            error.WriteLine($"error: {exception.Message}");
            if (exception.ExitCode == CliException.BadUsage)
                error.WriteLine(Usage);
            return exception.ExitCode;
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the user gets one line, not a stack trace.
            error.WriteLine($"error: {exception.Message}");
            return CliException.Failed;
        }
    }

    private static async Task RunAsync(CliArguments args, TextWriter output, TimeProvider time)
    {
        var words = args.Words;
        switch (words)
        {
            case ["status", "certificate" or "certificates" or "cert" or "certs", var name]:
            {
                using var cluster = CliCluster.Connect(args);
                var report = await CertificateStatusCommand.BuildAsync(cluster, args.Namespace ?? cluster.DefaultNamespace, name);
                Print(output, args, report, () => TextOutput.Write(output, report, time.GetUtcNow()));
                break;
            }
            case ["status", ..]:
                throw CliException.Usage("status takes: certificate NAME");
            case ["renew", ..]:
            {
                using var cluster = CliCluster.Connect(args);
                var results = await RenewCommand.RunAsync(cluster, args, time.GetUtcNow());
                Print(output, args, results, () => TextOutput.Write(output, results));
                break;
            }
            case ["inspect", "secret" or "secrets", var name]:
            {
                using var cluster = CliCluster.Connect(args);
                var report = await InspectSecretCommand.BuildAsync(cluster, args.Namespace ?? cluster.DefaultNamespace, name, time.GetUtcNow());
                Print(output, args, report, () => TextOutput.Write(output, report));
                break;
            }
            case ["inspect", ..]:
                throw CliException.Usage("inspect takes: secret NAME");
            default:
                throw CliException.Usage($"unknown command \"{string.Join(' ', words)}\"");
        }
    }

    private static void Print<T>(TextWriter output, CliArguments args, T report, Action text)
    {
        if (args.Output == OutputFormat.Json)
            output.WriteLine(JsonSerializer.Serialize(report, JsonOutput));
        else
            text();
    }
}
