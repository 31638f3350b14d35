using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// HTTP-01 as installed: a Challenge's namespace gets the solver Service its Ingress routes to, with an EndpointSlice
/// naming the silo pods (copied from the release's http01 Service), until no Challenge there needs it.
/// </summary>
[Collection(AcmeCollection.Name)]
public sealed class SolverServiceTests(AcmeFixture cluster) : AcmeSteps(cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Task<string> Kubectl(string[] args) => cluster.MustAsync(args);

    /// <summary>A Challenge no Order drives: it stays live until deleted, so the Service must stay as long.</summary>
    private Task HeldChallengeAsync(string ns, string name) => cluster.MustApplyAsync($$"""
        apiVersion: acme.cert-manager.io/v1
        kind: Challenge
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          url: https://acme.invalid/chall/{{name}}
          authorizationURL: https://acme.invalid/authz/{{name}}
          dnsName: held.{{ns}}.example
          type: HTTP-01
          token: {{name}}-token
          key: {{name}}-token.thumbprint
          solver:
            http01:
              ingress: {class: nginx}
          issuerRef: {name: nobody}
        """);

    [Fact]
    public async Task AChallengeNamespaceGetsTheSolverServiceOfTheSiloPodsWhileAChallengeNeedsIt()
    {
        await cluster.MustApplyAsync(SolverServiceChecks.SiloSliceManifest("cert-manager", AcmeFixture.SiloService, cluster.SolverPort, "10.244.0.10", "10.244.0.11"));
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        await HeldChallengeAsync(ns, "held-1-1-1");
        await SolverServiceChecks.WaitForSolverServiceAsync(Kubectl, ns, cluster.SolverPort, ["10.244.0.10", "10.244.0.11"], Timeout);

        // a real issuance in the same namespace: its solver Ingress routes to that Service and port, and it completes
        await using var ingresses = KubectlWatch.Start(cluster.KubectlEnvironment, "-n", ns, "get", "ingresses", "--watch", "--output-watch-events", "-o", "json");
        await CertificateAsync(ns, "site", issuer, $"www.{ns}.example");
        await WaitAsync("certificate", ns, "site", "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        var backends = await ingresses.StopAsync(json => json.GetProperty("object").GetProperty("spec").GetProperty("rules").EnumerateArray()
            .SelectMany(rule => rule.GetProperty("http").GetProperty("paths").EnumerateArray())
            .Select(path => path.GetProperty("backend").GetProperty("service"))
            .Select(service => $"{service.GetProperty("name").GetString()}:{service.GetProperty("port").GetProperty("number").GetInt32()}"));
        Assert.NotEmpty(backends);
        Assert.All(backends, backend => Assert.Equal($"{SolverServiceChecks.SolverService}:{cluster.SolverPort}", backend));

        // someone edits the port of our Service: the namespace's next sync (the silos' change below) puts it back
        await cluster.MustAsync("-n", ns, "patch", "service", SolverServiceChecks.SolverService, "--type=json",
            "-p", "[{\"op\":\"replace\",\"path\":\"/spec/ports/0/port\",\"value\":80}]");

        // silos come and go: the release's slice changes, the namespace's follows
        await cluster.MustApplyAsync(SolverServiceChecks.SiloSliceManifest("cert-manager", AcmeFixture.SiloService, cluster.SolverPort, "10.244.0.11", "10.244.0.12"));
        await SolverServiceChecks.WaitForSolverServiceAsync(Kubectl, ns, cluster.SolverPort, ["10.244.0.11", "10.244.0.12"], Timeout);

        // the last live Challenge goes: so do the Service and its slice
        await cluster.MustAsync("-n", ns, "delete", "challenge", "held-1-1-1");
        await SolverServiceChecks.WaitForNoSolverServiceAsync(Kubectl, ns, Timeout);
    }

    [Fact]
    public async Task AServiceOfThatNameNotMadeByCertFleetIsLeftAloneAndTheChallengeIsTold()
    {
        var ns = await cluster.NamespaceAsync();
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {{SolverServiceChecks.SolverService}}
              namespace: {{ns}}
              labels: {app: mine}
            spec:
              selector: {app: mine}
              ports: [{port: 80}]
            """);
        var before = await cluster.MustAsync("-n", ns, "get", "service", SolverServiceChecks.SolverService, "-o", "jsonpath={.metadata.resourceVersion}");
        await HeldChallengeAsync(ns, "held-2-2-2");

        var message = await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "events", "--field-selector",
                "reason=SolverServiceNotOwned,involvedObject.kind=Challenge,involvedObject.name=held-2-2-2", "-o", "jsonpath={.items[*].message}"),
            found => found.Length > 0, $"a SolverServiceNotOwned Event on the Challenge (silo log: {cluster.SiloLog})", seconds: 30);
        Assert.Contains($"Service \"{SolverServiceChecks.SolverService}\" in namespace \"{ns}\" was not made by CertFleet", message);
        Assert.Contains("CertFleet__Http01__SolverServiceName", message);
        Assert.Equal("Warning", await cluster.MustAsync("-n", ns, "get", "events", "--field-selector", "reason=SolverServiceNotOwned", "-o", "jsonpath={.items[0].type}"));
        Assert.Equal(before, await cluster.MustAsync("-n", ns, "get", "service", SolverServiceChecks.SolverService, "-o", "jsonpath={.metadata.resourceVersion}"));
        Assert.Equal("", (await cluster.MustAsync("-n", ns, "get", "endpointslices", "-o", "name")).Trim());

        await cluster.MustAsync("-n", ns, "delete", "challenge", "held-2-2-2");
        await Task.Delay(1000);
        Assert.Equal(before, await cluster.MustAsync("-n", ns, "get", "service", SolverServiceChecks.SolverService, "-o", "jsonpath={.metadata.resourceVersion}"));
    }

    /// <summary><c>kubectl get --watch --output-watch-events -o json</c> in the background; its events are read once stopped.</summary>
    private sealed class KubectlWatch : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private KubectlWatch(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, line) =>
            {
                lock (_output)
                    _output.AppendLine(line.Data);
            };
            _process.BeginOutputReadLine();
        }

        public static KubectlWatch Start(IReadOnlyDictionary<string, string> environment, params string[] args)
        {
            var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            foreach (var (name, value) in environment)
                start.Environment[name] = value;
            return new KubectlWatch(Process.Start(start)!);
        }

        /// <summary>Stops the watch and maps every ADDED or MODIFIED event it printed.</summary>
        public async Task<List<T>> StopAsync<T>(Func<JsonElement, IEnumerable<T>> select)
        {
            await DisposeAsync();
            string text;
            lock (_output)
                text = _output.ToString();
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true });
            var results = new List<T>();
            while (TryRead(ref reader, out var document))
            {
                using (document)
                {
                    if (document!.RootElement.GetProperty("type").GetString() is "ADDED" or "MODIFIED")
                        results.AddRange(select(document.RootElement).ToList());
                }
            }
            return results;
        }

        /// <summary>The next whole event; false at the end, or at an event cut short by the kill.</summary>
        private static bool TryRead(ref Utf8JsonReader reader, out JsonDocument? document)
        {
            try
            {
                return JsonDocument.TryParseValue(ref reader, out document);
            }
            catch (JsonException)
            {
                document = null;
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
    }
}
