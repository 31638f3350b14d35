using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator;
using k8s;

// make bench: CA-issued Certificates applied at once through the Kubernetes API, timed until all are Ready.
//   1. 2,000 with ECDSA P-256 keys: certificates/s, silo peak RSS, emulator writes/s (target ≥100 certificates/s).
//   2. 200 with RSA-2048 keys beside the bare RSA-2048 generation rate of this machine (target ≥80 % of it).
// Figures are printed; nothing here asserts a time.
var root = FindRepositoryRoot();
var configuration = args.Length > 0 ? args[0] : "Release";
var ecdsaCount = EnvInt("BENCH_ECDSA", 2000);
var rsaCount = EnvInt("BENCH_RSA", 200);
var work = Directory.CreateTempSubdirectory("certfleet-bench-").FullName;

await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { Port = 0, KubeconfigPath = Path.Combine(work, "kubeconfig") });
var environment = new Dictionary<string, string> { ["KUBECONFIG"] = api.KubeconfigPath, ["KUBECACHEDIR"] = Path.Combine(work, "kube-cache") };
Kubectl(environment, "apply", "-f", Path.Combine(root, "helm", "certfleet", "crds"));
foreach (var crd in Directory.GetFiles(Path.Combine(root, "helm", "certfleet", "crds"), "*.yaml"))
    Kubectl(environment, "wait", "--for=condition=Established", $"crd/{Path.GetFileNameWithoutExtension(crd)}", "--timeout=30s");
Kubectl(environment, "create", "namespace", "cert-manager");
Kubectl(environment, "create", "namespace", "bench");

using var silo = StartSilo(root, configuration, environment, Path.Combine(work, "silo.log"));
var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(api.KubeconfigPath));
try
{
    await Create(client, "", "clusterissuers", Issuer("selfsigned", null, new JsonObject { ["selfSigned"] = new JsonObject() }));
    await Create(client, "bench", "certificates", Certificate("bench-ca", "bench-ca-tls", "selfsigned", "ClusterIssuer", "ECDSA", 256, isCA: true));
    await Create(client, "bench", "issuers", Issuer("bench-ca", "bench", new JsonObject { ["ca"] = new JsonObject { ["secretName"] = "bench-ca-tls" } }));
    await WaitReady(client, "bench-ca", 1, TimeSpan.FromMinutes(2));

    Console.WriteLine($"CertFleet bench on {Environment.ProcessorCount} cores (silo log: {work}/silo.log)");
    var ecdsa = await Run(client, api, "ecdsa", ecdsaCount, "ECDSA", 256);
    Report($"{ecdsaCount} ECDSA P-256", ecdsa, silo);
    Console.WriteLine($"  target ≥100 certificates/s: {(ecdsa.PerSecond >= 100 ? "met" : "NOT met")}");

    var keygen = RsaKeyGenerationRate(TimeSpan.FromSeconds(10));
    var rsa = await Run(client, api, "rsa", rsaCount, "RSA", 2048);
    Report($"{rsaCount} RSA-2048", rsa, silo);
    Console.WriteLine($"  bare RSA-2048 generation on {Environment.ProcessorCount} threads: {keygen:F1} keys/s");
    Console.WriteLine($"  controller / bare generation: {rsa.PerSecond / keygen:P0} (target ≥80 %)");
    Console.WriteLine($"silo peak RSS: {PeakRssMiB(silo):F0} MiB");
}
finally
{
    if (!silo.HasExited) silo.Kill(entireProcessTree: true);
}

static async Task<Result> Run(Kubernetes client, KubeEmulatorServer api, string prefix, int count, string algorithm, int size)
{
    var writesBefore = api.Stats.Writes;
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        await Create(client, "bench", "certificates", Certificate($"{prefix}-{i}", $"{prefix}-{i}-tls", "bench-ca", "Issuer", algorithm, size, isCA: false)));
    var applied = clock.Elapsed;
    await WaitReady(client, prefix + "-", count, TimeSpan.FromMinutes(10));
    var elapsed = clock.Elapsed;
    return new Result(count, elapsed, applied, (api.Stats.Writes - writesBefore) / elapsed.TotalSeconds);
}

static void Report(string what, Result r, Process silo) =>
    Console.WriteLine($"{what}: all Ready in {r.Elapsed.TotalSeconds:F1} s (applied in {r.Applied.TotalSeconds:F1} s) → " +
                      $"{r.PerSecond:F1} certificates/s; emulator {r.WritesPerSecond:F0} writes/s; silo RSS now {CurrentRssMiB(silo):F0} MiB");

static async Task WaitReady(Kubernetes client, string namePrefix, int count, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync("cert-manager.io", "v1", "bench", "certificates");
        var ready = list.GetProperty("items").EnumerateArray().Count(item =>
            item.GetProperty("metadata").GetProperty("name").GetString()!.StartsWith(namePrefix, StringComparison.Ordinal)
            && item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True"));
        if (ready >= count) return;
        if (DateTime.UtcNow > deadline)
            throw new TimeoutException($"only {ready} of {count} Certificates named {namePrefix}* became Ready within {timeout}");
        await Task.Delay(250);
    }
}

static double RsaKeyGenerationRate(TimeSpan duration)
{
    var generated = 0;
    var clock = Stopwatch.StartNew();
    Parallel.For(0, Environment.ProcessorCount, _ =>
    {
        while (clock.Elapsed < duration)
        {
            using var key = RSA.Create(2048);
            key.ExportParameters(includePrivateParameters: true); // forces generation, as the controller's PEM export does
            Interlocked.Increment(ref generated);
        }
    });
    return generated / clock.Elapsed.TotalSeconds;
}

static JsonObject Certificate(string name, string secret, string issuer, string issuerKind, string algorithm, int size, bool isCA)
{
    var spec = new JsonObject
    {
        ["secretName"] = secret,
        ["issuerRef"] = new JsonObject { ["name"] = issuer, ["kind"] = issuerKind },
        ["privateKey"] = new JsonObject { ["algorithm"] = algorithm, ["size"] = size },
    };
    if (isCA) { spec["isCA"] = true; spec["commonName"] = name; }
    else spec["dnsNames"] = new JsonArray($"{name}.bench.example");
    return new JsonObject
    {
        ["apiVersion"] = "cert-manager.io/v1", ["kind"] = "Certificate",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "bench" },
        ["spec"] = spec,
    };
}

static JsonObject Issuer(string name, string? ns, JsonObject spec) => new()
{
    ["apiVersion"] = "cert-manager.io/v1", ["kind"] = ns is null ? "ClusterIssuer" : "Issuer",
    ["metadata"] = ns is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns },
    ["spec"] = spec,
};

static Task Create(Kubernetes client, string ns, string plural, JsonObject body) => ns.Length == 0
    ? client.CustomObjects.CreateClusterCustomObjectAsync(body, "cert-manager.io", "v1", plural)
    : client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "cert-manager.io", "v1", ns, plural);

static Process StartSilo(string root, string configuration, Dictionary<string, string> environment, string log)
{
    var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    info.ArgumentList.Add(Path.Combine(root, "Silo", "bin", configuration, "net10.0", "certfleet-silo.dll"));
    foreach (var (k, v) in environment) info.Environment[k] = v;
    info.Environment["CertFleet__Http__Port"] = "18090";
    info.Environment["CertFleet__Orleans__SiloPort"] = "21191";
    info.Environment["CertFleet__Orleans__GatewayPort"] = "40091";
    var process = Process.Start(info)!;
    var writer = new StreamWriter(log) { AutoFlush = true };
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static void Kubectl(Dictionary<string, string> environment, params string[] args)
{
    var info = new ProcessStartInfo("kubectl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args) info.ArgumentList.Add(a);
    foreach (var (k, v) in environment) info.Environment[k] = v;
    using var process = Process.Start(info)!;
    var error = process.StandardError.ReadToEnd();
    process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"kubectl {string.Join(' ', args)}: {error}");
}

static double PeakRssMiB(Process process) => StatusKiB(process, "VmHWM:") / 1024.0;
static double CurrentRssMiB(Process process) => StatusKiB(process, "VmRSS:") / 1024.0;

static long StatusKiB(Process process, string field)
{
    var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}

static int EnvInt(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
    throw new InvalidOperationException("Orleans.sln not found");
}

internal sealed record Result(int Count, TimeSpan Elapsed, TimeSpan Applied, double WritesPerSecond)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;
}
