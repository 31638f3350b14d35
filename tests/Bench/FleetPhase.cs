using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator;
using CertFleet.TestSupport;
using k8s;
using k8s.Models;
using static CertFleet.Bench.BenchObjects;

namespace CertFleet.Bench;

/// <summary>
/// The fleet phase: a home API emulator and <c>members</c> member emulators (in this process), two silos on one Redis
/// serving them all, members registered by cluster Secrets in the home cluster. Each member has its own CA Issuer;
/// <c>perMember</c> CA-issued ECDSA P-256 Certificates are applied to every member at once and timed until all are
/// Ready. Prints certificates/s, each silo's RSS and CPU per certificate, and how the members were spread.
/// </summary>
internal static class FleetPhase
{
    private const string Phase = "fleet";
    private const string ControllerNamespace = "cert-manager";
    private const string LeaseName = "certfleet-controller";

    public static async Task RunAsync(string root, string configuration, string work, int members, int perMember)
    {
        var directory = Directory.CreateDirectory(Path.Combine(work, "fleet")).FullName;
        await using var redis = await RedisServer.StartAsync();
        var emulators = new List<KubeEmulatorServer>();
        var silos = new List<SiloUnderTest>();
        try
        {
            var home = await StartEmulatorAsync(emulators, root, Path.Combine(directory, "home.kubeconfig"));
            using var homeClient = ClientOf(home);
            await homeClient.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ControllerNamespace } });

            // Members are made and given their CA before any silo starts, in parallel.
            var names = Enumerable.Range(1, members).Select(i => $"member-{i:00}").ToList();
            var memberServers = await Task.WhenAll(names.Select(async name =>
            {
                var server = await StartEmulatorAsync(emulators, root, Path.Combine(directory, $"{name}.kubeconfig"));
                using var client = ClientOf(server);
                await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ControllerNamespace } });
                await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
                await Create(client, "", "clusterissuers", Issuer("selfsigned", null, new JsonObject { ["selfSigned"] = new JsonObject() }));
                await Create(client, Namespace, "certificates", Certificate("bench-ca", "bench-ca-tls", "selfsigned", "ClusterIssuer", "ECDSA", 256, isCA: true, phase: "fleet-ca"));
                await Create(client, Namespace, "issuers", Issuer("bench-ca", Namespace, new JsonObject { ["ca"] = new JsonObject { ["secretName"] = "bench-ca-tls" } }));
                return (Name: name, Server: server);
            }));

            var settings = new Dictionary<string, string>
            {
                ["KUBECONFIG"] = home.KubeconfigPath,
                ["CertFleet__ClusterName"] = "home",
                ["CertFleet__Storage"] = "redis",
                ["CertFleet__Redis__ConnectionString"] = redis.ConnectionString,
                ["CertFleet__Orleans__ServiceId"] = "fleet-bench",
                ["CertFleet__Orleans__ClusterId"] = "fleet-bench",
            };
            for (var i = 0; i < 2; i++)
                silos.Add(SiloUnderTest.Start(root, configuration, new Dictionary<string, string>(settings)
                    {
                        ["POD_NAME"] = $"fleet-silo-{i}",
                        // no HTTP-01 here, but each silo's responder needs a port of its own
                        ["CertFleet__Http01__SolverPort"] = LoopbackPorts.Allocate(1)[0].ToString(CultureInfo.InvariantCulture),
                    },
                    Path.Combine(directory, $"silo-{i}.log")));

            // Both silos active before the members come, so the members are spread over both.
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(TimeSpan.FromMinutes(3))));
            var joining = Stopwatch.StartNew();
            foreach (var (name, server) in memberServers)
                await RegisterAsync(homeClient, name, await File.ReadAllTextAsync(server.KubeconfigPath));
            using (var joined = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
                await Task.WhenAll(memberServers.Select(async m =>
                {
                    using var client = ClientOf(m.Server);
                    await WaitReady(client, "fleet-ca", 1, joined.Token);
                }));
            Console.WriteLine($"Fleet: {members} members registered and issuing their CA in {joining.Elapsed.TotalSeconds:F1} s " +
                              $"(silo logs: {directory}/silo-*.log)");

            var cpuBefore = silos.Select(s => s.CpuTime).ToList();
            var logs = silos.Select(s => s.MarkLog()).ToList();
            var benchCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
            var clients = memberServers.Select(m => ClientOf(m.Server)).ToList();
            try
            {
                // Watches on the phase's label, started before the first create, as the other phases do.
                var allReady = Task.WhenAll(clients.Select(client => WaitReady(client, Phase, perMember, timeout.Token)));
                var clock = Stopwatch.StartNew();
                await Parallel.ForEachAsync(clients.SelectMany(client => Enumerable.Range(0, perMember).Select(i => (client, i))),
                    new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (item, _) =>
                        await Create(item.client, Namespace, "certificates",
                            Certificate($"{Phase}-{item.i}", $"{Phase}-{item.i}-tls", "bench-ca", "Issuer", "ECDSA", 256, isCA: false, phase: Phase)));
                var applied = clock.Elapsed;
                await allReady;
                var elapsed = clock.Elapsed;
                var total = members * perMember;
                var cpu = silos.Select((s, i) => (s.CpuTime - cpuBefore[i]).TotalMilliseconds / total).ToList();
                var benchCpu = (Process.GetCurrentProcess().TotalProcessorTime - benchCpuBefore).TotalMilliseconds / total;

                Console.WriteLine($"{members} members × {perMember} CA-issued, ECDSA P-256, through 2 silos on Redis: all Ready in " +
                                  $"{elapsed.TotalSeconds:F1} s (applied in {applied.TotalSeconds:F1} s) → {total / elapsed.TotalSeconds:F1} certificates/s");
                Console.WriteLine($"  silo RSS now / peak: {string.Join(", ", silos.Select((s, i) => $"fleet-silo-{i} {s.CurrentRssMiB:F0} / {s.PeakRssMiB:F0} MiB"))}");
                Console.WriteLine($"  CPU per certificate: {string.Join(", ", cpu.Select((ms, i) => $"fleet-silo-{i} {ms:F1} ms"))}, " +
                                  $"{members + 1} API emulators + bench client {benchCpu:F1} ms");
                Console.WriteLine($"  members watched: {await WatchersAsync(homeClient, names)}");
                Console.WriteLine($"  silo logs: {string.Join("; ", silos.Select((s, i) => $"fleet-silo-{i}: {s.WarningsSince(logs[i])}"))}");
            }
            finally
            {
                foreach (var client in clients)
                    client.Dispose();
            }
        }
        finally
        {
            foreach (var silo in silos)
                silo.Dispose();
            foreach (var emulator in emulators)
                await emulator.DisposeAsync();
        }
    }

    private static async Task<KubeEmulatorServer> StartEmulatorAsync(List<KubeEmulatorServer> started, string root, string kubeconfig)
    {
        var server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { Port = 0, KubeconfigPath = kubeconfig });
        lock (started)
            started.Add(server);
        using var client = ClientOf(server);
        var crds = Directory.GetFiles(Path.Combine(root, "helm", "certfleet", "crds"), "*.yaml");
        foreach (var file in crds)
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file)));
        foreach (var file in crds)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name)).Status?.Conditions?
                   .Any(c => c.Type == "Established" && c.Status == "True") != true)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"CRD {name} not Established within 30 s");
                await Task.Delay(100);
            }
        }
        return server;
    }

    private static Kubernetes ClientOf(KubeEmulatorServer server) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

    /// <summary>The member's cluster Secret in the home cluster, as a user writes one.</summary>
    private static Task RegisterAsync(Kubernetes home, string name, string kubeconfig) =>
        home.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"cluster-{name}",
                Labels = new Dictionary<string, string> { ["certfleet.io/cluster"] = "true" },
                Annotations = new Dictionary<string, string> { ["certfleet.io/cluster-name"] = name },
            },
            Data = new Dictionary<string, byte[]> { ["kubeconfig"] = Encoding.UTF8.GetBytes(kubeconfig) },
        }, ControllerNamespace);

    /// <summary>"fleet-silo-0 5, fleet-silo-1 5": the holders of the members' Leases in the home cluster.</summary>
    private static async Task<string> WatchersAsync(Kubernetes home, IReadOnlyList<string> members)
    {
        var leases = (await home.CoordinationV1.ListNamespacedLeaseAsync(ControllerNamespace)).Items
            .Where(l => l.Metadata.Name.StartsWith($"{LeaseName}-member-", StringComparison.Ordinal))
            .Select(l => l.Spec?.HolderIdentity ?? "none").ToList();
        var counts = leases.GroupBy(h => h).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        return $"{string.Join(", ", counts)} (of {members.Count.ToString(CultureInfo.InvariantCulture)})";
    }
}
