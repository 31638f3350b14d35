using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The fault matrix: one row per fault of a dependency (the CA, the DNS provider, the Kubernetes API, the clock, Redis).
/// Each row issues a few Certificates of their own namespace while the fault lasts, and asserts that every one ends
/// Ready from exactly one ACME order and one CertificateRequest, and that nothing was lost: each Secret holds a
/// certificate for its name with the matching key. The rows share one stack; each clears its fault before it ends.
/// </summary>
[Collection(FaultMatrixCollection.Name)]
public sealed class FaultMatrixTests(FaultMatrixFixture cluster, ITestOutputHelper output)
{
    private const int Certificates = 4;

    /// <summary>Resources the silo watches; watch faults hit all of them.</summary>
    private static readonly (string Group, string Resource)[] Watched =
    [
        ("cert-manager.io", "certificates"), ("cert-manager.io", "certificaterequests"), ("cert-manager.io", "issuers"),
        ("cert-manager.io", "clusterissuers"), ("acme.cert-manager.io", "orders"), ("acme.cert-manager.io", "challenges"), ("", "secrets"),
    ];

    /// <summary>Every kind the silo writes while issuing, for the write-fault rows.</summary>
    private static readonly (string Group, string Resource)[] Written =
    [
        ("cert-manager.io", "certificates/status"), ("cert-manager.io", "certificaterequests"), ("cert-manager.io", "certificaterequests/status"),
        ("acme.cert-manager.io", "orders"), ("acme.cert-manager.io", "orders/status"), ("acme.cert-manager.io", "challenges"),
        ("acme.cert-manager.io", "challenges/status"), ("", "secrets"),
    ];

    public static TheoryData<string> Faults =>
    [
        "ACME: 5xx storm",
        "ACME: timeouts",
        "ACME: badNonce storm",
        "ACME: 429 with Retry-After",
        "ACME: server restarted mid-order",
        "DNS: timeouts on present and clean-up",
        "DNS: 5xx on present and clean-up",
        "Kubernetes: 409 conflicts",
        "Kubernetes: 500s",
        "Kubernetes: 429 with Retry-After",
        "Kubernetes: 410 on watches",
        "Kubernetes: watches cut every 3 s",
        "Kubernetes: API server slow by 2 s a request",
        "Clock: silo 10 min ahead of the API server",
        "Clock: silo 10 min behind the API server",
        "Redis: restarted",
        // Redis unavailable for 2 minutes: OutageTests, with two silos, beside the API server's outage.
    ];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task EveryCertificateEndsReady_FromOneOrderEach_AndNothingIsLost(string fault)
    {
        var ns = await cluster.NamespaceAsync();
        var names = Enumerable.Range(0, Certificates).Select(i => $"f{i}").ToList();
        var dns = fault.StartsWith("DNS:", StringComparison.Ordinal);
        var zone = $"{ns}.faults.example";
        if (dns)
            cluster.Cloudflare.AddZone(zone);
        var pid = cluster.SiloProcessId;
        var elapsed = Stopwatch.StartNew();
        var ready = 0;
        var orders = 0;
        var injected = "";
        using var stop = new CancellationTokenSource();
        try
        {
            var armed = await ArmAsync(fault, ns, stop.Token);
            try
            {
                if (fault.Contains("watches", StringComparison.Ordinal))
                {
                    // One at a time across the breaks, so that Certificates appear while the silo's watches are down.
                    foreach (var name in names)
                    {
                        await ApplyCertificatesAsync(ns, [name], null);
                        await Task.Delay(TimeSpan.FromSeconds(1.5));
                    }
                }
                else
                {
                    await ApplyCertificatesAsync(ns, names, dns ? zone : null);
                }
                await AllReadyAsync(ns, names, TimeSpan.FromMinutes(3));
            }
            finally
            {
                await stop.CancelAsync();
                if (armed.During is not null)
                    await armed.During;
                await ClearAsync();
            }
            if (fault.StartsWith("Clock:", StringComparison.Ordinal))
            {
                // Long enough for a renewal loop to show: a premature renewal would start a new revision.
                await Task.Delay(TimeSpan.FromSeconds(20));
            }
            ready = (await ReadyAsync(ns)).Count(names.Contains);
            orders = OrdersIn(ns);
            injected = await armed.Injected();

            var created = cluster.Proxy.OrdersCreated;
            Assert.All(names, name => Assert.True(1 == created.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, name, dns ? zone : null))),
                $"{name}: {created.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, name, dns ? zone : null)))} orders"));
            Assert.Equal(names.Select(n => $"certificaterequest.cert-manager.io/{n}-1").Order(), await RequestsAsync(ns));
            foreach (var name in names)
                await AssertIssuedAsync(ns, name, DnsName(ns, name, dns ? zone : null));
            if (dns)
            {
                await Processes.Eventually(() => Task.FromResult(string.Join(", ", cluster.Cloudflare.Records.Where(r => r.Name.EndsWith(zone, StringComparison.Ordinal)).Select(r => r.Name))),
                    left => left.Length == 0, $"every TXT record in {zone} to be cleaned up", 90);
                Assert.Empty(cluster.Cloudflare.Violations);
            }
            Assert.Equal(pid, cluster.SiloProcessId);
        }
        finally
        {
            if (injected.Length == 0)
            {
                // The row failed before counting: what is known now.
                ready = (await ReadyAsync(ns)).Count(names.Contains);
                orders = OrdersIn(ns);
            }
            cluster.Record(fault, names.Count, ready, orders, elapsed.Elapsed, injected);
            output.WriteLine(cluster.Table());
        }
    }

    /// <summary>A fault under way: what keeps it going, if anything, and what it did (asserting it did something).</summary>
    private sealed record ArmedFault(Task? During, Func<Task<string>> Injected);

    /// <summary>Sets the row's fault.</summary>
    private async Task<ArmedFault> ArmAsync(string fault, string ns, CancellationToken stop)
    {
        var proxy = cluster.Proxy;
        switch (fault)
        {
            case "ACME: 5xx storm":
                return Storm(AcmeFault.ServerError, 8 * Certificates, "500 answers");
            case "ACME: timeouts":
                return Storm(AcmeFault.Timeout, Certificates, "answers lost after 15 s");
            case "ACME: badNonce storm":
                return Storm(AcmeFault.BadNonce, 6 * Certificates, "badNonce answers");
            case "ACME: 429 with Retry-After":
            {
                var before = proxy.RefusedNewOrders;
                proxy.RateLimitNextOrders(Certificates, retryAfterSeconds: 5);
                return new ArmedFault(null, () => Task.FromResult(Counted(proxy.RefusedNewOrders - before, Certificates, "newOrders refused, 5 s")));
            }
            case "ACME: server restarted mid-order":
            {
                // Down for 30 s right after the CA accepted the first challenge, that answer lost with it. Pebble's
                // state is kept: a real CA's database survives its restart (only Pebble keeps everything in memory).
                var before = proxy.ResetConnections;
                var armed = 1;
                proxy.BeforeAnswer = exchange =>
                {
                    if (exchange.Kind == AcmeRequestKind.AcceptChallenge && Interlocked.Exchange(ref armed, 0) == 1)
                        proxy.GoDown(TimeSpan.FromSeconds(30));
                    return Task.CompletedTask;
                };
                return new ArmedFault(null, () => Task.FromResult(Counted(proxy.ResetConnections - before, 1, "connections reset in 30 s")));
            }
            case "DNS: timeouts on present and clean-up":
            {
                // Held past the provider's 10 s timeout: creations are carried out then (the record is there, its
                // answer lost), deletions are not (only a retried clean-up removes the record).
                var hold = TimeSpan.FromSeconds(12);
                return DnsFault(new CloudflareFakeApi.WriteFailure(0, 0, "", hold), new CloudflareFakeApi.WriteFailure(504, 0, "Gateway Timeout", hold),
                    Certificates / 2, "writes answered after 12 s");
            }
            case "DNS: 5xx on present and clean-up":
            {
                var error = new CloudflareFakeApi.WriteFailure(500, 1000, "Internal Server Error");
                return DnsFault(error, error, Certificates, "500 answers");
            }
            case "Kubernetes: 409 conflicts":
                return await FailWritesAsync(409, null);
            case "Kubernetes: 500s":
                return await FailWritesAsync(500, null);
            case "Kubernetes: 429 with Retry-After":
                return await FailWritesAsync(429, 2);
            case "Kubernetes: 410 on watches":
                return BreakWatches("expire", stop);
            case "Kubernetes: watches cut every 3 s":
                return BreakWatches("cut", stop);
            case "Kubernetes: API server slow by 2 s a request":
            {
                var before = await cluster.EmulatorCounterAsync("requests");
                await cluster.EmulatorFaultAsync("""{"kind":"latency","milliseconds":2000}""");
                return new ArmedFault(null, async () =>
                    Counted(await cluster.EmulatorCounterAsync("requests") - before, Certificates, "requests, each 2 s late"));
            }
            case "Clock: silo 10 min ahead of the API server":
                return await SkewAsync(ns, -600);
            case "Clock: silo 10 min behind the API server":
                return await SkewAsync(ns, 600);
            case "Redis: restarted":
                return RestartRedisAfterFirstOrder(TimeSpan.FromSeconds(3));
            default:
                throw new ArgumentException($"no such row: {fault}", nameof(fault));
        }
    }

    /// <summary>"N what", once at least <paramref name="least"/> were counted.</summary>
    private static string Counted(long count, long least, string what)
    {
        Assert.True(count >= least, $"the fault was injected {count} times, expected at least {least}: {what}");
        return $"{count} {what}";
    }

    private ArmedFault Storm(AcmeFault fault, int count, string what)
    {
        var before = cluster.Proxy.StormedRequests;
        cluster.Proxy.Storm(fault, count);
        return new ArmedFault(null, () => Task.FromResult(Counted(cluster.Proxy.StormedRequests - before, count, what)));
    }

    /// <summary>The next <paramref name="count"/> record creations and as many deletions go wrong.</summary>
    private ArmedFault DnsFault(CloudflareFakeApi.WriteFailure create, CloudflareFakeApi.WriteFailure delete, int count, string what)
    {
        var before = cluster.Cloudflare.FailedWrites;
        cluster.Cloudflare.FailNextWrites(CloudflareFakeApi.RecordWrite.Create, count, create);
        cluster.Cloudflare.FailNextWrites(CloudflareFakeApi.RecordWrite.Delete, count, delete);
        return new ArmedFault(null, () => Task.FromResult(Counted(cluster.Cloudflare.FailedWrites - before, 2 * count, what)));
    }

    /// <summary>The next writes of every kind the silo writes while issuing fail, two per Certificate and kind.</summary>
    private async Task<ArmedFault> FailWritesAsync(int code, int? retryAfterSeconds)
    {
        var before = await cluster.EmulatorCounterAsync("faultsInjected");
        foreach (var (group, resource) in Written)
        {
            var retryAfter = retryAfterSeconds is { } seconds ? $",\"retryAfterSeconds\":{seconds}" : "";
            await cluster.EmulatorFaultAsync($$"""{"kind":"write","group":"{{group}}","resource":"{{resource}}","code":{{code}},"count":{{2 * Certificates}}{{retryAfter}}}""");
        }
        return new ArmedFault(null, async () =>
            Counted(await cluster.EmulatorCounterAsync("faultsInjected") - before, Certificates, $"writes answered {code}"));
    }

    /// <summary>Every 3 s every watch of the silo ends; with "expire" as a 410 whose resourceVersion is gone from history.</summary>
    private ArmedFault BreakWatches(string action, CancellationToken stop)
    {
        var broken = 0L;
        async Task BreakAsync()
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (action == "expire")
                        await cluster.TruncateWatchHistoryAsync();
                    foreach (var (group, resource) in Watched)
                        broken += (await cluster.EmulatorFaultAsync($$"""{"kind":"watch","group":"{{group}}","resource":"{{resource}}","action":"{{action}}"}"""))["watchesAffected"]!.GetValue<long>();
                    await Task.Delay(TimeSpan.FromSeconds(3), stop);
                }
            }
            catch (OperationCanceledException)
            {
                // The row is over.
            }
        }
        return new ArmedFault(BreakAsync(), () => Task.FromResult(Counted(broken, Watched.Length, action == "expire" ? "watches ended with 410" : "watches cut")));
    }

    /// <summary>The emulator writes its timestamps <paramref name="seconds"/> off; the Certificates' creationTimestamp shows it.</summary>
    private async Task<ArmedFault> SkewAsync(string ns, int seconds)
    {
        await cluster.EmulatorFaultAsync($$"""{"kind":"clock","offsetSeconds":{{seconds}}}""");
        return new ArmedFault(null, async () =>
        {
            var created = DateTimeOffset.Parse(await cluster.MustAsync("-n", ns, "get", "certificate", "f0", "-o", "jsonpath={.metadata.creationTimestamp}"),
                System.Globalization.CultureInfo.InvariantCulture);
            var skew = created - DateTimeOffset.UtcNow;
            Assert.True(Math.Abs((skew - TimeSpan.FromSeconds(seconds)).TotalSeconds) < 300, $"creationTimestamp {created:O} is not {seconds} s off");
            return $"API server clock {seconds / 60:+0;-0} min";
        });
    }

    /// <summary>redis-server is killed right after the CA created the first order, and back after <paramref name="downtime"/>.</summary>
    private ArmedFault RestartRedisAfterFirstOrder(TimeSpan downtime)
    {
        var first = cluster.Proxy.Requests(AcmeRequestKind.NewOrder) + 1;
        var ordered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Proxy.BeforeAnswer = exchange =>
        {
            if (exchange.Kind == AcmeRequestKind.NewOrder && exchange.Sequence >= first)
                ordered.TrySetResult();
            return Task.CompletedTask;
        };
        var restarted = false;
        async Task RestartAsync()
        {
            await ordered.Task.WaitAsync(TimeSpan.FromMinutes(2));
            cluster.Proxy.BeforeAnswer = null;
            await cluster.Redis.RestartAsync(downtime);
            restarted = true;
        }
        return new ArmedFault(RestartAsync(), () =>
        {
            Assert.True(restarted, "redis-server was not restarted");
            return Task.FromResult($"redis-server down {downtime.TotalSeconds:0} s");
        });
    }

    private async Task ClearAsync()
    {
        cluster.Proxy.BeforeAnswer = null;
        cluster.Proxy.Storm(AcmeFault.ServerError, 0);
        cluster.Proxy.RateLimitNextOrders(0, 0);
        cluster.Proxy.GoDown(TimeSpan.Zero);
        cluster.Cloudflare.FailNextWrites(CloudflareFakeApi.RecordWrite.Create, 0, new CloudflareFakeApi.WriteFailure(0, 0, ""));
        cluster.Cloudflare.FailNextWrites(CloudflareFakeApi.RecordWrite.Delete, 0, new CloudflareFakeApi.WriteFailure(0, 0, ""));
        await cluster.ClearEmulatorFaultsAsync();
    }

    private static string DnsName(string ns, string name, string? zone) => zone is null ? $"{name}.{ns}.faults.example" : $"{name}.{zone}";

    private int OrdersIn(string ns) =>
        cluster.Proxy.OrdersCreated.Where(o => o.Key.Contains($".{ns}.faults.example", StringComparison.Ordinal)).Sum(o => o.Value);

    private async Task ApplyCertificatesAsync(string ns, IEnumerable<string> names, string? zone)
    {
        var yaml = Manifests.EcdsaCertificates(ns, zone is null ? FaultMatrixFixture.HttpIssuer : FaultMatrixFixture.DnsIssuer, names,
            name => DnsName(ns, name, zone));
        // kubectl itself meets the row's fault (a slow or failing API): it is retried as a user would.
        await Processes.Eventually(async () =>
        {
            var applied = await cluster.ApplyAsync(yaml);
            if (applied.ExitCode != 0)
                output.WriteLine($"kubectl apply: {applied.Error.Trim()}");
            return applied.ExitCode;
        }, code => code == 0, "kubectl apply of the Certificates", 120);
    }

    private async Task<List<string>> ReadyAsync(string ns)
    {
        var (_, listed, _) = await cluster.KubectlAsync("-n", ns, "get", "certificates", "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
        return [.. listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("=True", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)])];
    }

    private Task AllReadyAsync(string ns, IReadOnlyCollection<string> names, TimeSpan timeout) =>
        Processes.Eventually(async () =>
            {
                var ready = await ReadyAsync(ns);
                return string.Join(", ", names.Where(n => !ready.Contains(n)));
            }, notReady => notReady.Length == 0, $"every Certificate in {ns} to be Ready (silo log: {cluster.SiloLog}); the last list is of those not Ready",
            (int)timeout.TotalSeconds);

    private async Task<List<string>> RequestsAsync(string ns) =>
        [.. (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()];

    /// <summary>The Certificate is Ready at revision 1, not issuing, and its Secret holds a certificate for its name with the matching key.</summary>
    private async Task AssertIssuedAsync(string ns, string name, string dnsName)
    {
        var status = await cluster.MustAsync("-n", ns, "get", "certificate", name, "-o",
            "jsonpath={.status.revision}|{.status.conditions[?(@.type==\"Issuing\")].status}|{.status.renewalTime}|{.status.notAfter}");
        var fields = status.Split('|');
        Assert.True(fields[0] == "1", $"{name}: revision {fields[0]}");
        Assert.True(fields[1] is "" or "False", $"{name}: Issuing {fields[1]}");
        // No premature renewal: the renewal is far off (Pebble's certificates last years; two thirds of that at most).
        Assert.True(DateTimeOffset.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddDays(30), $"{name}: renewalTime {fields[2]}");

        var secret = await cluster.MustAsync("-n", ns, "get", "secret", $"{name}-tls", "-o", "jsonpath={.data.tls\\.crt}|{.data.tls\\.key}");
        var parts = secret.Split('|');
        var certificatePem = Encoding.UTF8.GetString(Convert.FromBase64String(parts[0]));
        var keyPem = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
        // Throws when the key is not the certificate's.
        using var leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        var sans = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([dnsName], sans.EnumerateDnsNames());
    }
}
