using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// The <c>certfleet-silo status|renew|inspect|fleet</c> commands (also <c>kubectl certfleet ...</c>), modelled on cmctl.
/// Exit code 0 on success, 1 when an object is missing or the API fails, 2 for a wrong command line.
/// </summary>
public static class CertFleetCli
{
    private static readonly string[] Verbs = ["status", "renew", "inspect", "fleet", "help"];

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
          certfleet-silo fleet status [-o json]
          certfleet-silo fleet certificates [--expiring 30d] [-o json]
          certfleet-silo fleet duplicates [-o json]
        (as a kubectl plugin: kubectl certfleet status certificate NAME ...)

        Connection flags, as kubectl's: --kubeconfig PATH, --context NAME, -n/--namespace NAME.
        In a fleet: --cluster NAME runs the command against that member cluster, reached with the kubeconfig of its
        cluster Secret in the home cluster (the one --kubeconfig/--context reach), found in --controller-namespace
        (default cert-manager).
        The fleet commands read a silo's fleet API on its dashboard port instead:
          --url URL (or CERTFLEET_URL), e.g. http://localhost:8081 after
            kubectl -n cert-manager port-forward deploy/certfleet 8081
          --token-file PATH (or CERTFLEET_TOKEN_FILE): the dashboard's bearer token, or
          --credentials-file PATH (or CERTFLEET_CREDENTIALS_FILE): its user:password.
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
                using var cluster = await CliCluster.ConnectAsync(args);
                var report = await CertificateStatusCommand.BuildAsync(cluster, args.Namespace ?? cluster.DefaultNamespace, name);
                Print(output, args, report, () => TextOutput.Write(output, report, time.GetUtcNow()));
                break;
            }
            case ["status", ..]:
                throw CliException.Usage("status takes: certificate NAME");
            case ["renew", ..]:
            {
                using var cluster = await CliCluster.ConnectAsync(args);
                var results = await RenewCommand.RunAsync(cluster, args, time.GetUtcNow());
                Print(output, args, results, () => TextOutput.Write(output, results));
                break;
            }
            case ["inspect", "secret" or "secrets", var name]:
            {
                using var cluster = await CliCluster.ConnectAsync(args);
                var report = await InspectSecretCommand.BuildAsync(cluster, args.Namespace ?? cluster.DefaultNamespace, name, time.GetUtcNow());
                Print(output, args, report, () => TextOutput.Write(output, report));
                break;
            }
            case ["inspect", ..]:
                throw CliException.Usage("inspect takes: secret NAME");
            case ["fleet", "status"]:
            {
                using var fleet = FleetApi.Connect(args);
                var status = await fleet.StatusAsync();
                Print(output, args, status, () => TextOutput.Write(output, status));
                break;
            }
            case ["fleet", "certificates" or "certificate" or "certs"]:
            {
                using var fleet = FleetApi.Connect(args);
                var certificates = await fleet.CertificatesAsync(args.Expiring);
                Print(output, args, certificates, () => TextOutput.Write(output, certificates));
                break;
            }
            case ["fleet", "duplicates"]:
            {
                using var fleet = FleetApi.Connect(args);
                var duplicates = await fleet.DuplicatesAsync();
                Print(output, args, duplicates, () => TextOutput.Write(output, duplicates));
                break;
            }
            case ["fleet", ..]:
                throw CliException.Usage("fleet takes: status, certificates [--expiring 30d], or duplicates");
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
