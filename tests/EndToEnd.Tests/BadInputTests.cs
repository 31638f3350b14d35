using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>Pebble as plain as it gets, for the bad-input corpus: the silo here serves nothing else.</summary>
public sealed class BadInputFixture : PebbleControllerFixture
{
    protected override PebbleOptions Options => new() { HttpChallengePort = SolverPort };
}

[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<BadInputFixture>
{
    public const string Name = "bad-input";
}

/// <summary>
/// The bad-input corpus (BadInput/*.yaml) applied in one pass to one silo together with a few good Certificates. Each
/// file says in "# expect:" lines how it must end: "refused | fragment" (kubectl apply fails with that text: the CRD
/// schema or the API server refuses it), "Kind/name Type=Status Reason | fragment" (a condition on a named object),
/// "event Kind/name Reason | fragment" (an Event), or "order request-name state | fragment" (the Order of a
/// CertificateRequest); "# apply-with: create" makes it go through kubectl create rather than apply. Afterwards the
/// silo's CPU, with every bad object waiting, must stay under 5 % of a core.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed partial class BadInputTests(BadInputFixture cluster, ITestOutputHelper output)
{
    private const string Namespace = "bad-input";
    private static readonly string[] GoodCertificates = ["good-ca-ecdsa", "good-selfsigned-rsa", "good-acme"];

    [Fact]
    public async Task EveryBadManifestEndsAsItsFileSaysWhileGoodCertificatesAreIssuedAndTheSiloIdles()
    {
        var clock = Stopwatch.StartNew();
        var corpus = Directory.GetFiles(Path.Combine(RepositoryCheckout.Root, "tests", "EndToEnd.Tests", "BadInput"), "*.yaml")
            .Order(StringComparer.Ordinal).Select(Manifest.Read).ToList();
        Assert.True(corpus.Count >= 100, $"only {corpus.Count} manifests in the corpus");
        var values = Placeholders();

        await cluster.MustAsync("create", "namespace", Namespace);
        await ApplyOrFailAsync(Setup(values));
        await ApplyOrFailAsync(GoodManifests());

        // One pass: every manifest the API server accepts in one kubectl apply (kubectl names each object it refuses),
        // each refused one (and the one for kubectl create) on its own, a few kubectl processes at a time.
        var together = corpus.Where(m => m.Refused is null && !m.Create).ToList();
        var alone = corpus.Except(together).ToList();
        using var gate = new SemaphoreSlim(4);
        var batch = Processes.RunAsync("kubectl", ["apply", "-n", Namespace, "-f", "-"], cluster.KubectlEnvironment,
            string.Join("---\n", together.Select(m => m.Yaml(values))), timeoutSeconds: 120);
        var singles = await Task.WhenAll(alone.Select(async manifest =>
        {
            await gate.WaitAsync();
            try
            {
                var verb = manifest.Create ? "create" : "apply";
                return (manifest, result: await Processes.RunAsync("kubectl", [verb, "-n", Namespace, "-f", "-"],
                    cluster.KubectlEnvironment, manifest.Yaml(values)));
            }
            finally
            {
                gate.Release();
            }
        }));
        var failures = new List<string>();
        var batchResult = await batch;
        if (batchResult.ExitCode != 0)
            failures.Add($"kubectl apply of the {together.Count} manifests the API server should accept failed: {batchResult.Error.Trim()}");
        foreach (var (manifest, result) in singles)
        {
            if (manifest.Refused is { } fragment)
            {
                if (result.ExitCode == 0)
                    failures.Add($"{manifest.File}: applied, but the API server should have refused it with \"{fragment}\"");
                else if (!result.Error.Contains(fragment, StringComparison.Ordinal))
                    failures.Add($"{manifest.File}: refused, but without \"{fragment}\": {result.Error.Trim()}");
            }
            else if (result.ExitCode != 0)
            {
                failures.Add($"{manifest.File}: refused by the API server: {result.Error.Trim()}");
            }
        }
        var appliedAt = clock.Elapsed;

        var expectations = corpus.SelectMany(m => m.Outcomes.Select(o => (m.File, Outcome: o))).ToList();
        var goods = GoodCertificates.Select(name => (File: "(good)", Outcome: Outcome.Parse($"Certificate/{name} Ready=True Ready"))).ToList();
        var all = expectations.Concat(goods).ToList();
        var metAt = new Dictionary<(string File, Outcome Outcome), TimeSpan>();
        Snapshot snapshot = null!;
        var pending = all;
        var deadline = DateTime.UtcNow.AddSeconds(100);
        while (true)
        {
            snapshot = await SnapshotAsync();
            pending = all.Where(e => !e.Outcome.Holds(snapshot)).ToList();
            foreach (var met in all.Except(pending))
                metAt.TryAdd(met, clock.Elapsed);
            if (pending.Count == 0 || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(1000);
        }
        var reachedAt = clock.Elapsed;
        failures.AddRange(pending.Select(e => $"{e.File}: expected {e.Outcome}; found {e.Outcome.Describe(snapshot)}"));

        // Status text stays bounded even for the largest inputs.
        foreach (var item in snapshot.Objects)
            foreach (var condition in Conditions(item.Json))
                if (condition.Message.Length > 4096 + 20)
                    failures.Add($"{item.Kind}/{item.Name}: a condition message of {condition.Message.Length} characters");

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {corpus.Count} manifests did not end as expected (silo log: {cluster.SiloLog}):\n" + string.Join("\n", failures));

        // Every bad object now waits (for a spec change, a Secret, a backoff): the silo must be idle meanwhile. The
        // window is taken once the first recheck wave has passed (about a minute after the objects were applied, every
        // waiting issuer, request and Certificate looks once more and the runtime compiles those paths); the whole wait
        // from the last outcome on is printed too.
        var waitStart = SiloCpuSeconds();
        var waitClock = Stopwatch.StartNew();
        var windowStart = TimeSpan.FromTicks(Math.Max((appliedAt + TimeSpan.FromSeconds(75)).Ticks, (reachedAt + TimeSpan.FromSeconds(5)).Ticks));
        if (clock.Elapsed < windowStart)
            await Task.Delay(windowStart - clock.Elapsed);
        var cpu = await SiloCpuShareAsync(TimeSpan.FromSeconds(15));
        var wholeWait = (SiloCpuSeconds() - waitStart) / waitClock.Elapsed.TotalSeconds;
        var refused = corpus.Count(m => m.Refused is not null);
        output.WriteLine($"bad-input corpus: {corpus.Count} manifests ({refused} refused by the API server, {corpus.Count - refused} ending with " +
                         $"{expectations.Count} named outcomes), {GoodCertificates.Length} good Certificates Ready; applied in " +
                         $"{appliedAt.TotalSeconds:F1} s, all outcomes reached at {reachedAt.TotalSeconds:F1} s; silo CPU while they wait: " +
                         $"{cpu * 100:F2} % of one core over 15 s from {windowStart.TotalSeconds:F0} s, {wholeWait * 100:F2} % over all " +
                         $"{waitClock.Elapsed.TotalSeconds:F0} s from the last outcome on");
        output.WriteLine("slowest outcomes: " + string.Join("; ", metAt.OrderByDescending(m => m.Value).Take(5)
            .Select(m => $"{m.Key.File} {m.Key.Outcome} at {m.Value.TotalSeconds:F1} s")));
        Assert.True(cpu < 0.05, $"the silo used {cpu * 100:F2} % of a core while the bad objects waited (log: {cluster.SiloLog})");
    }

    private async Task ApplyOrFailAsync(string yaml)
    {
        var result = await Processes.RunAsync("kubectl", ["apply", "-n", Namespace, "-f", "-"], cluster.KubectlEnvironment, yaml);
        Assert.True(result.ExitCode == 0, result.Error);
    }

    /// <summary>
    /// The issuers the corpus names: a SelfSigned ClusterIssuer, a CA Issuer "ca" it bootstraps, an Issuer whose CA
    /// expired, and Pebble behind two ACME ClusterIssuers (HTTP-01 only; DNS-01 only).
    /// </summary>
    private string Setup(IReadOnlyDictionary<string, string> values) => string.Join("---\n",
        Manifests.SelfSignedClusterIssuer("bi-selfsigned") + "\n",
        Manifests.CaCertificate(Namespace, "bi-root", "bi-selfsigned") + "\n",
        Manifests.CaIssuer(Namespace, "ca", "bi-root-tls") + "\n",
        $$"""
        apiVersion: v1
        kind: Secret
        metadata: {name: bi-expired-ca}
        data: {tls.crt: {{values["B64:EXPIRED_CA_CRT"]}}, tls.key: {{values["B64:CA_KEY"]}}}

        """,
        Manifests.CaIssuer(Namespace, "bi-expired-ca", "bi-expired-ca") + "\n",
        cluster.ClusterIssuer("bi-acme") + "\n",
        $$"""
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata: {name: bi-acme-dns01}
        spec:
          acme:
            server: {{values["ACME_SERVER"]}}
            caBundle: {{values["ACME_CA_BUNDLE"]}}
            privateKeySecretRef: {name: bi-acme-dns01-account-key}
            solvers: [{dns01: {rfc2136: {nameserver: "127.0.0.1:9"} } }]

        """);

    private static string GoodManifests() => string.Join("---\n",
        Manifests.Certificate(Namespace, "good-ca-ecdsa", "ca", "privateKey: {algorithm: ECDSA, size: 384}") + "\n",
        Manifests.Certificate(Namespace, "good-selfsigned-rsa", "bi-selfsigned", "privateKey: {algorithm: RSA, size: 2048}", issuerKind: "ClusterIssuer") + "\n",
        Manifests.Certificate(Namespace, "good-acme", "bi-acme", "", issuerKind: "ClusterIssuer", dnsNames: "good-acme.bad-input.example") + "\n");

    /// <summary>Values the manifests name as ${NAME} (or ${B64:NAME} for their base64): generated keys, certificates and CSRs.</summary>
    private Dictionary<string, string> Placeholders()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string SelfSigned(bool isCa, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            var request = new CertificateRequest(isCa ? "CN=bad-input ca" : "CN=bad-input leaf", caKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
            using var certificate = request.CreateSelfSigned(notBefore, notAfter);
            return certificate.ExportCertificatePem();
        }
        string Csr(string subject, Action<CertificateRequest>? configure = null, params string[] dnsNames)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            if (dnsNames.Length > 0)
            {
                var sans = new SubjectAlternativeNameBuilder();
                foreach (var name in dnsNames) sans.AddDnsName(name);
                request.CertificateExtensions.Add(sans.Build());
            }
            configure?.Invoke(request);
            return request.CreateSigningRequestPem();
        }
        var goodCsr = Csr("CN=cr.bad.example", null, "cr.bad.example");
        var tampered = PemEncoding.Find(goodCsr);
        var der = Convert.FromBase64String(goodCsr[tampered.Base64Data]);
        der[^3] ^= 0x5a; // inside the signature
        using var rsa = RSA.Create(2048);
        using var rsa1024 = RSA.Create(1024);
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);

        var plain = new Dictionary<string, string>
        {
            ["GARBAGE_PEM"] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            ["NOT_PEM"] = "just some text, no PEM block at all",
            ["GARBAGE_KEY_PEM"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
            ["CA_CRT"] = SelfSigned(true, now.AddDays(-1), now.AddDays(365)),
            ["EXPIRED_CA_CRT"] = SelfSigned(true, now.AddDays(-60), now.AddDays(-1)),
            ["LEAF_CRT"] = SelfSigned(false, now.AddDays(-1), now.AddDays(365)),
            ["CA_KEY"] = caKey.ExportPkcs8PrivateKeyPem(),
            ["OTHER_KEY"] = otherKey.ExportPkcs8PrivateKeyPem(),
            // .NET cannot make Ed25519 keys; this one is a valid PKCS#8 Ed25519 key used for nothing else.
            ["ED25519_KEY"] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBrYLWRz5ZOaPo24U7ktdfDm8cFkhyhJNzKo2XJIfJkm\n-----END PRIVATE KEY-----\n",
            ["TRUNCATED_RSA_KEY"] = rsa.ExportPkcs8PrivateKeyPem()[..400] + "\n-----END PRIVATE KEY-----\n",
            ["RSA_1024_KEY"] = rsa1024.ExportPkcs8PrivateKeyPem(),
            ["P521_KEY"] = p521.ExportPkcs8PrivateKeyPem(),
            ["GOOD_CSR"] = goodCsr,
            ["TAMPERED_CSR"] = PemEncoding.WriteString("CERTIFICATE REQUEST", der) + "\n",
            ["CSR_CN_NOT_IN_SANS"] = Csr("CN=elsewhere.bad.example", null, "cr.bad.example"),
            ["CSR_EMAIL_ONLY"] = Csr("O=Example", r =>
            {
                var sans = new SubjectAlternativeNameBuilder();
                sans.AddEmailAddress("ops@bad.example");
                r.CertificateExtensions.Add(sans.Build());
            }),
            ["CSR_101_SANS"] = Csr("O=Example", null, [.. Enumerable.Range(0, 101).Select(i => $"h{i}.bad.example")]),
            ["CSR_CLIENT_AUTH"] = Csr("CN=client.bad.example", r => r.CertificateExtensions.Add(
                new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false)), "client.bad.example"),
            ["CSR_CA"] = Csr("CN=sub ca", r => r.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true))),
        };
        var values = new Dictionary<string, string>
        {
            ["ACME_SERVER"] = cluster.Pebble.DirectoryUrl.ToString(),
            ["ACME_CA_BUNDLE"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(cluster.Pebble.ListenerCaPem)),
            ["SANS_1000"] = string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"host{i}.many.bad.example")),
            ["SANS_101"] = string.Join(", ", Enumerable.Range(0, 101).Select(i => $"host{i}.many.bad.example")),
            ["BLOB_200K"] = new string('x', 200 * 1024),
            ["BLOB_300K"] = new string('x', 300 * 1024),
        };
        foreach (var (name, value) in plain)
            values[$"B64:{name}"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        return values;
    }

    /// <summary>The share of one core the silo process used over <paramref name="window"/>.</summary>
    private async Task<double> SiloCpuShareAsync(TimeSpan window)
    {
        var before = SiloCpuSeconds();
        var wall = Stopwatch.StartNew();
        await Task.Delay(window);
        return (SiloCpuSeconds() - before) / wall.Elapsed.TotalSeconds;
    }

    /// <summary>User plus system CPU time of the silo process so far, from /proc/&lt;pid&gt;/stat (in clock ticks of 1/100 s).</summary>
    private double SiloCpuSeconds()
    {
        var pid = cluster.SiloProcessId;
        Assert.NotEqual(0, pid);
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }

    /// <summary>USER_HZ: 100 on every Linux architecture the tests run on (getconf CLK_TCK).</summary>
    private const double ClockTicksPerSecond = 100;

    private async Task<Snapshot> SnapshotAsync()
    {
        var namespaced = await cluster.MustAsync("-n", Namespace, "get", "certificates,certificaterequests,issuers,orders,challenges", "-o", "json");
        var clusterIssuers = await cluster.MustAsync("get", "clusterissuers", "-o", "json");
        var events = await cluster.MustAsync("get", "events", "-A", "-o", "json");
        var objects = new List<(string Kind, string Name, JsonElement Json)>();
        foreach (var list in new[] { namespaced, clusterIssuers })
            foreach (var item in JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray())
                objects.Add((item.GetProperty("kind").GetString()!, item.GetProperty("metadata").GetProperty("name").GetString()!, item.Clone()));
        var eventList = JsonDocument.Parse(events).RootElement.GetProperty("items").EnumerateArray().Select(e => (
            Kind: e.GetProperty("involvedObject").GetProperty("kind").GetString() ?? "",
            Name: e.GetProperty("involvedObject").GetProperty("name").GetString() ?? "",
            Reason: e.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "",
            Message: e.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "")).ToList();
        return new Snapshot(objects, eventList);
    }

    private static IEnumerable<(string Type, string Status, string Reason, string Message)> Conditions(JsonElement item)
    {
        if (!item.TryGetProperty("status", out var status) || !status.TryGetProperty("conditions", out var conditions))
            yield break;
        foreach (var c in conditions.EnumerateArray())
            yield return (Text(c, "type"), Text(c, "status"), Text(c, "reason"), Text(c, "message"));
    }

    private static string Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private sealed record Snapshot(
        List<(string Kind, string Name, JsonElement Json)> Objects,
        List<(string Kind, string Name, string Reason, string Message)> Events);

    /// <summary>One corpus file: its YAML with ${...} placeholders and the outcomes its comments expect.</summary>
    private sealed record Manifest(string File, string Template, string? Refused, bool Create, List<Outcome> Outcomes)
    {
        public static Manifest Read(string path)
        {
            var text = System.IO.File.ReadAllText(path);
            var lines = text.Split('\n').Where(l => l.StartsWith("# expect: ", StringComparison.Ordinal)).Select(l => l["# expect: ".Length..].Trim()).ToList();
            if (lines.Count == 0)
                throw new InvalidOperationException($"{path} states no expected outcome");
            var refused = lines.FirstOrDefault(l => l.StartsWith("refused | ", StringComparison.Ordinal))?["refused | ".Length..];
            var outcomes = lines.Where(l => !l.StartsWith("refused | ", StringComparison.Ordinal)).Select(Outcome.Parse).ToList();
            return new Manifest(Path.GetFileName(path), text, refused, text.Contains("\n# apply-with: create\n", StringComparison.Ordinal), outcomes);
        }

        public string Yaml(IReadOnlyDictionary<string, string> values) => PlaceholderPattern().Replace(Template, m =>
            values.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"{File}: no value for {m.Value}"));
    }

    /// <summary>A condition, Event or Order state the corpus expects.</summary>
    private sealed record Outcome(string What, string Kind, string Name, string Type, string Status, string Reason, string Fragment)
    {
        public static Outcome Parse(string line)
        {
            var (head, fragment) = line.Split(" | ", 2) is [var h, var f] ? (h, f) : (line, "");
            var parts = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["event", var target, var reason]:
                    return new Outcome("event", target.Split('/')[0], target.Split('/')[1], "", "", reason, fragment);
                case ["order", var request, var state]:
                    return new Outcome("order", "Order", request, "", state, "", fragment);
                case [var target, var condition, var reason] when condition.Contains('='):
                    return new Outcome("condition", target.Split('/')[0], target.Split('/')[1], condition.Split('=')[0], condition.Split('=')[1], reason, fragment);
                default:
                    throw new InvalidOperationException($"unreadable expectation \"{line}\"");
            }
        }

        public bool Holds(Snapshot snapshot) => What switch
        {
            "event" => snapshot.Events.Any(e => e.Kind == Kind && e.Name == Name && e.Reason == Reason && e.Message.Contains(Fragment, StringComparison.Ordinal)),
            "order" => OrdersOf(snapshot).Any(o => Text(o.GetProperty("status"), "state") == Status
                                                   && Text(o.GetProperty("status"), "reason").Contains(Fragment, StringComparison.Ordinal)),
            _ => Object(snapshot) is { } item && Conditions(item).Any(c => c.Type == Type && c.Status == Status && c.Reason == Reason
                                                                         && c.Message.Contains(Fragment, StringComparison.Ordinal)),
        };

        public string Describe(Snapshot snapshot) => What switch
        {
            "event" => string.Join("; ", snapshot.Events.Where(e => e.Kind == Kind && e.Name == Name).Select(e => $"{e.Reason}: {e.Message}").DefaultIfEmpty("no events")),
            "order" => string.Join("; ", OrdersOf(snapshot).Select(o => o.GetProperty("status").ToString()).DefaultIfEmpty("no Order")),
            _ => Object(snapshot) is { } item
                ? string.Join("; ", Conditions(item).Select(c => $"{c.Type}={c.Status} {c.Reason}: {c.Message}").DefaultIfEmpty("no conditions"))
                : "no such object",
        };

        private JsonElement? Object(Snapshot snapshot) =>
            snapshot.Objects.Where(o => o.Kind == Kind && o.Name == Name).Select(o => (JsonElement?)o.Json).FirstOrDefault();

        private IEnumerable<JsonElement> OrdersOf(Snapshot snapshot) => snapshot.Objects
            .Where(o => o.Kind == "Order" && o.Json.GetProperty("metadata").TryGetProperty("ownerReferences", out var owners)
                        && owners.EnumerateArray().Any(r => Text(r, "name") == Name) && o.Json.TryGetProperty("status", out _))
            .Select(o => o.Json);

        public override string ToString() => What switch
        {
            "event" => $"event {Kind}/{Name} {Reason} containing \"{Fragment}\"",
            "order" => $"Order of {Name} {Status} with reason containing \"{Fragment}\"",
            _ => $"{Kind}/{Name} {Type}={Status} {Reason} with message containing \"{Fragment}\"",
        };
    }

    [GeneratedRegex(@"\$\{([A-Z0-9_:]+)\}")]
    private static partial Regex PlaceholderPattern();
}
