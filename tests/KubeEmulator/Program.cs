using System.Globalization;
using System.Runtime.InteropServices;
using CertFleet.KubeEmulator;

// kube-emulator [--port N] [--kubeconfig PATH] [--log-requests] [--audit-kubeconfig PATH [--audit-log FILE] [--audit-user NAME]]
// Prints the server URL on stdout once it listens, then serves until SIGINT or SIGTERM.
const string Usage = "usage: kube-emulator [--port N] [--kubeconfig PATH] [--log-requests] [--audit-kubeconfig PATH [--audit-log FILE] [--audit-user NAME]]";
var port = 0;
string? kubeconfig = null;
var logRequests = false;
string? auditKubeconfig = null;
string? auditLog = null;
var auditUser = AuditedClientOptions.DefaultUser;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var chosen):
            port = chosen;
            i++;
            break;
        case "--kubeconfig" when i + 1 < args.Length:
            kubeconfig = args[++i];
            break;
        case "--log-requests":
            logRequests = true;
            break;
        case "--audit-kubeconfig" when i + 1 < args.Length:
            auditKubeconfig = args[++i];
            break;
        case "--audit-log" when i + 1 < args.Length:
            auditLog = args[++i];
            break;
        case "--audit-user" when i + 1 < args.Length:
            auditUser = args[++i];
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
if (auditKubeconfig is null && auditLog is not null)
{
    Console.Error.WriteLine("--audit-log needs --audit-kubeconfig (the audited client's own kubeconfig)");
    Console.Error.WriteLine(Usage);
    return 2;
}

var stop = new TaskCompletionSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });

await using var server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions
{
    Port = port,
    KubeconfigPath = kubeconfig is null ? null : Path.GetFullPath(kubeconfig),
    LogRequests = logRequests,
    AuditedClient = auditKubeconfig is null
        ? null
        : new AuditedClientOptions(auditLog is null ? null : Path.GetFullPath(auditLog), auditUser) { KubeconfigPath = Path.GetFullPath(auditKubeconfig) },
});
Console.WriteLine(server.Url);
Console.Error.WriteLine($"kube-emulator listening on {server.Url}; kubeconfig {server.KubeconfigPath}");
await stop.Task;
return 0;
