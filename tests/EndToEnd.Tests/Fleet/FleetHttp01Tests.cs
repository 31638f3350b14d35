using System.Diagnostics;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests.Fleet;

/// <summary>
/// HTTP-01 for a FleetCertificate: while its one Challenge is pending, each placed member cluster has the solver
/// route (and its relay Service towards the silos' responder), so a CA sent to any member by GeoDNS or anycast finds
/// the token; all of it is gone once the order is valid.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetHttp01Tests(FleetFixture fleet, ITestOutputHelper output)
{
    [Fact]
    public async Task Solver_routes_appear_in_every_placed_member_while_the_challenge_is_pending_and_go_after()
    {
        var members = FleetFixture.MemberNames.Select(fleet.Member).ToList();
        var ns = $"fh-{Guid.NewGuid():N}"[..14];
        foreach (var member in members)
            await member.MustAsync("create", "namespace", ns);
        var name = $"http01-{ns}";
        var dnsName = $"{ns}.fleet-http01.example";
        await fleet.MustApplyAsync(fleet.ClusterIssuer($"pebble-{ns}"));

        // Every solver object the silos make or delete in the placed namespace of each member, as it happens.
        var watches = members.SelectMany(member => Kinds.Select(kind => ObjectWatch.Start(member, ns, kind))).ToList();
        try
        {
            await Task.WhenAll(watches.Select(watch => watch.Started)).WaitAsync(TimeSpan.FromSeconds(30));
            await fleet.MustApplyAsync($$"""
                apiVersion: certfleet.io/v1alpha1
                kind: FleetCertificate
                metadata: {name: {{name}}}
                spec:
                  certificate:
                    secretName: {{ns}}-tls
                    dnsNames: [{{dnsName}}]
                    privateKey: {algorithm: ECDSA, size: 256}
                    issuerRef: {name: pebble-{{ns}}, kind: ClusterIssuer}
                  placement:
                    clusters: [{{string.Join(", ", FleetFixture.MemberNames)}}]
                    namespaces: [{{ns}}]
                """);

            await Processes.Eventually(() => fleet.MustAsync("get", "fleetcertificate", name, "-o", "jsonpath={.status.copiesCurrent}"),
                copies => copies == "2/2", $"both copies written (silo logs: {fleet.Logs})", 90);
            var orders = await fleet.MustAsync("-n", FleetFixture.SecretNamespace, "get", "orders", "-l", $"certfleet.io/fleet-certificate={name}",
                "-o", "jsonpath={range .items[*]}{.status.state}{\"\\n\"}{end}");
            Assert.Equal(["valid"], orders.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(1, fleet.Proxy.OrdersCreated.Where(o => o.Key.Contains(dnsName, StringComparison.Ordinal)).Sum(o => o.Value));

            // Clean-up follows the valid Challenge within moments.
            foreach (var member in members)
            {
                await Processes.Eventually(() => member.MustAsync("-n", ns, "get", "ingresses,services", "-l", "acme.cert-manager.io/http01-solver=true", "-o", "name"),
                    left => left.Trim().Length == 0, $"the solver objects in member {member.Name} deleted (silo logs: {fleet.Logs})", 30);
            }
        }
        finally
        {
            foreach (var watch in watches)
                await watch.StopAsync();
        }

        // Each member had exactly one route and one relay Service (of one name), both deleted again.
        foreach (var watch in watches)
        {
            output.WriteLine($"{watch.Member} {watch.Resource}: {string.Join(" | ", watch.Lines)}");
            var added = Assert.Single(watch.Lines, line => line.StartsWith("ADDED cm-acme-http-solver-", StringComparison.Ordinal));
            Assert.Contains($"DELETED {added["ADDED ".Length..]}", watch.Lines);
        }
        foreach (var member in watches.GroupBy(watch => watch.Member))
            Assert.Single(member.SelectMany(watch => watch.Lines).Where(line => line.StartsWith("ADDED ", StringComparison.Ordinal)).Distinct());
    }

    private static readonly string[] Kinds = ["ingresses", "services"];

    /// <summary><c>kubectl get -w --output-watch-events</c> of one resource in one member namespace: "EVENT name" lines.</summary>
    private sealed class ObjectWatch
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ObjectWatch(string member, string resource, Process process)
        {
            Member = member;
            Resource = resource;
            _process = process;
        }

        public string Member { get; }

        public string Resource { get; }

        /// <summary>Done once the watch is open (kubectl has listed, and watches from there).</summary>
        public Task Started => _started.Task;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public static ObjectWatch Start(MemberEmulator member, string ns, string resource)
        {
            var info = new ProcessStartInfo("kubectl")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-n", ns, "get", resource, "-w", "--output-watch-events", "--no-headers",
                         "-o", "custom-columns=EVENT:.type,NAME:.object.metadata.name", "-v=6" })
                info.ArgumentList.Add(arg);
            foreach (var (key, value) in member.KubectlEnvironment)
                info.Environment[key] = value;
            var watch = new ObjectWatch(member.Name, resource, Process.Start(info)!);
            watch._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                    lock (watch._lines)
                        watch._lines.Add(string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            };
            // kubectl -v=6 logs each request: the watch request means it is watching.
            watch._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("watch=true", StringComparison.Ordinal) == true)
                    watch._started.TrySetResult();
            };
            watch._process.BeginOutputReadLine();
            watch._process.BeginErrorReadLine();
            return watch;
        }

        public async Task StopAsync()
        {
            if (!_process.HasExited)
                _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
