using System.Globalization;
using System.Runtime.InteropServices;
using CertFleet.KubeEmulator;

// kube-emulator [--port N] [--kubeconfig PATH] [--log-requests]
// Prints the server URL on stdout once it listens, then serves until SIGINT or SIGTERM.
var port = 0;
string? kubeconfig = null;
var logRequests = false;
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
        default:
            Console.Error.WriteLine("usage: kube-emulator [--port N] [--kubeconfig PATH] [--log-requests]");
            return 2;
    }
}

var stop = new TaskCompletionSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });

await using var server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions
{
    Port = port,
    KubeconfigPath = kubeconfig is null ? null : Path.GetFullPath(kubeconfig),
    LogRequests = logRequests,
});
Console.WriteLine(server.Url);
Console.Error.WriteLine($"kube-emulator listening on {server.Url}; kubeconfig {server.KubeconfigPath}");
await stop.Task;
return 0;
