using System.Globalization;
using System.Text;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Durable lifecycle under crashes, with Redis storage: the silo is killed with SIGKILL (no shutdown, nothing flushed)
/// at random points of the ACME flow, Redis itself is restarted mid-flight, and the CA must never see a second order
/// for any Certificate.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashTests(CrashFixture cluster, ITestOutputHelper output) : AcmeSteps(cluster)
{
    private const int CrashCertificates = 50;
    private const int Kills = 3;
    private static readonly AcmeRequestKind[] KillPoints = [AcmeRequestKind.NewOrder, AcmeRequestKind.AcceptChallenge, AcmeRequestKind.Finalize];

    /// <summary>
    /// Each kill comes right after the CA answered the Nth newOrder, challenge accept or finalize: either while the
    /// proxy still holds that answer (the CA acted, the silo never learns it: the window ACME has no idempotency key
    /// for) or a random moment up to 1.5 s later (wherever the flow then is). After a lost newOrder answer the order is
    /// found again in the account's orders list, which Pebble serves; a CA without that list (Let's Encrypt) would
    /// get one more newOrder for that Certificate in that window, and only then. Set CERTFLEET_CRASH_SEED to replay a
    /// kill plan; the seed is printed.
    /// </summary>
    [Fact]
    public async Task KillNineAtRandomPointsOfTheOrderFlow_EveryCertificateEndsReady_FromExactlyOneNewOrderEach()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CERTFLEET_CRASH_SEED"), CultureInfo.InvariantCulture, out var given)
            ? given
            : Random.Shared.Next();
        output.WriteLine($"kill plan seed {seed} (CERTFLEET_CRASH_SEED={seed} replays it)");
        var random = new Random(seed);
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var names = Enumerable.Range(0, CrashCertificates).Select(i => $"c{i:00}").ToList();
        await ApplyCertificatesAsync(ns, issuer, names);

        for (var kill = 1; kill <= Kills; kill++)
        {
            // A point every Certificate still has to pass, so the kill is sure to come.
            var open = KillPoints.Where(k => cluster.Proxy.Requests(k) < CrashCertificates - 1).ToList();
            if (open.Count == 0)
            {
                output.WriteLine($"kill {kill}: every Certificate is past the last kill point; no more kills");
                break;
            }
            // The first kill always loses a newOrder answer: the window the fix in OrderGrain is for.
            var kind = kill == 1 ? AcmeRequestKind.NewOrder : open[random.Next(open.Count)];
            var nth = Math.Min(CrashCertificates, cluster.Proxy.Requests(kind) + 1 + random.Next(8));
            var holdAnswer = kill == 1 || random.Next(2) == 0;
            var delay = TimeSpan.FromMilliseconds(random.Next(1500));
            output.WriteLine($"kill {kill}: after {kind} #{nth}, " + (holdAnswer ? "holding its answer" : $"{delay.TotalMilliseconds:0} ms after its answer"));
            var pid = cluster.SiloProcessId;
            var killed = await KillSiloAfterAsync(kind, nth, holdAnswer, delay);
            output.WriteLine($"kill {kill}: killed silo {pid} after {killed.Kind} #{killed.Sequence} ({killed.StatusCode}) {killed.Identifiers}");
            await cluster.StartSiloAsync();
        }

        await AllReadyAsync(ns, names, TimeSpan.FromMinutes(6));
        var orders = cluster.Proxy.OrdersCreated;
        Assert.All(names, name => Assert.Equal(1, orders.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, name)))));
        Assert.Equal(CrashCertificates, OrdersIn(ns));
        // One CertificateRequest per Certificate, of revision 1: no issuance was started twice either.
        Assert.Equal(names.Select(n => $"certificaterequest.cert-manager.io/{n}-1").Order(), await RequestsAsync(ns));
        // Orders and challenges unregister their reminders once done; each Certificate keeps one, for renewal.
        await Processes.Eventually(
            async () => string.Join(", ", (await RemindersAsync(ns)).Where(x => x.GrainType is "order" or "challenge").Select(x => $"{x.GrainType} {x.Name}")),
            left => left.Length == 0, "finished orders and challenges to unregister their reminders", 240);
        var reminders = await RemindersAsync(ns);
        Assert.Equal(names.Order(), reminders.Where(r => r.GrainType == "certificate").Select(r => r.Name).Order());

        // One more restart, with every Secret in place: nothing is ordered or requested again.
        var secrets = await SecretVersionsAsync(ns);
        await cluster.KillSiloAsync();
        await cluster.StartSiloAsync();
        // A new Certificate proves the restarted silo reconciles; the others must stay as they are.
        await ApplyCertificatesAsync(ns, issuer, ["after-restart"]);
        await AllReadyAsync(ns, ["after-restart"], TimeSpan.FromMinutes(2));
        Assert.Equal(CrashCertificates + 1, OrdersIn(ns));
        Assert.Equal(CrashCertificates + 1, (await RequestsAsync(ns)).Count);
        Assert.Equal(1, cluster.Proxy.OrdersCreated.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, "after-restart"))));
        var secretsAfter = await SecretVersionsAsync(ns);
        Assert.All(secrets, secret => Assert.Equal(secret.Value, secretsAfter.GetValueOrDefault(secret.Key)));
    }

    /// <summary>
    /// redis-server is killed while Certificates are being issued and comes back 3 s later from its AOF: storage calls
    /// fail meanwhile and are retried by timers and reminders; the silo stays up and nothing is lost or ordered twice.
    /// </summary>
    [Fact]
    public async Task RedisRestartMidFlight_TheSiloCarriesOn_AndEveryCertificateIssuesFromOneNewOrder()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var names = Enumerable.Range(0, 20).Select(i => $"r{i:00}").ToList();
        var pid = cluster.SiloProcessId;
        var fifthOrder = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fifth = cluster.Proxy.Requests(AcmeRequestKind.NewOrder) + 5;
        cluster.Proxy.BeforeAnswer = exchange =>
        {
            if (exchange.Kind == AcmeRequestKind.NewOrder && exchange.Sequence >= fifth)
                fifthOrder.TrySetResult();
            return Task.CompletedTask;
        };
        try
        {
            await ApplyCertificatesAsync(ns, issuer, names);
            await fifthOrder.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            cluster.Proxy.BeforeAnswer = null;
        }
        await cluster.Redis.RestartAsync(TimeSpan.FromSeconds(3));

        await AllReadyAsync(ns, names, TimeSpan.FromMinutes(5));
        Assert.Equal(pid, cluster.SiloProcessId);
        var orders = cluster.Proxy.OrdersCreated;
        Assert.All(names, name => Assert.Equal(1, orders.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, name)))));
        Assert.Equal(names.Select(n => $"certificaterequest.cert-manager.io/{n}-1").Order(), await RequestsAsync(ns));
    }

    /// <summary>
    /// After issuance, no grain state in Redis holds private key material: not the Certificates' keys nor the ACME
    /// account key, in PEM, in base64 DER (either alphabet) or as the bare private scalar, nor any "PRIVATE KEY" block.
    /// </summary>
    [Fact]
    public async Task GrainStateInRedis_HoldsProgress_ButNoPrivateKey()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        string[] names = ["k0", "k1", "k2"];
        await ApplyCertificatesAsync(ns, issuer, names);
        await AllReadyAsync(ns, names, TimeSpan.FromMinutes(2));

        var keyPems = new List<string>();
        foreach (var name in names)
            keyPems.Add(await SecretKeyAsync(ns, $"{name}-tls", "tls\\.key"));
        keyPems.Add(await SecretKeyAsync("cert-manager", $"{issuer}-account-key", "tls\\.key"));
        var needles = keyPems.SelectMany(PrivateKeyMaterial.Encodings).ToList();

        var states = await RedisKeys.AllStatesAsync(cluster.Redis, CrashFixture.ServiceId);
        // The scan looks at real progress: the order's URL and the Certificate's revision are there.
        var orderState = states.Where(s => s.Key.StartsWith($"{CrashFixture.ServiceId}/state/order/local/{ns}/k0-1-", StringComparison.Ordinal)).ToList();
        Assert.Contains(cluster.Proxy.DirectoryUrl.Authority, Assert.Single(orderState).Value, StringComparison.Ordinal);
        Assert.Contains("\"Revision\":1", states[$"{CrashFixture.ServiceId}/state/certificate/local/{ns}/k0/certificate"], StringComparison.Ordinal);

        foreach (var (key, value) in states)
        {
            Assert.False(PrivateKeyMaterial.Contains(value, needles, out var found), $"{key} holds private key material ({found})");
        }
    }

    private async Task<AcmeExchange> KillSiloAfterAsync(AcmeRequestKind kind, int nth, bool holdAnswer, TimeSpan delay)
    {
        var killed = new TaskCompletionSource<AcmeExchange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = 1;
        cluster.Proxy.BeforeAnswer = async exchange =>
        {
            if (exchange.Kind != kind || exchange.Sequence < nth || Interlocked.Exchange(ref armed, 0) == 0)
                return;
            if (!holdAnswer)
                await Task.Delay(delay);
            await cluster.KillSiloAsync();
            killed.TrySetResult(exchange);
        };
        try
        {
            return await killed.Task.WaitAsync(TimeSpan.FromMinutes(4));
        }
        finally
        {
            cluster.Proxy.BeforeAnswer = null;
        }
    }

    private static string DnsName(string ns, string name) => $"{name}.{ns}.crash.example";

    private int OrdersIn(string ns) =>
        cluster.Proxy.OrdersCreated.Where(o => o.Key.EndsWith($".{ns}.crash.example", StringComparison.Ordinal)).Sum(o => o.Value);

    private async Task ApplyCertificatesAsync(string ns, string issuer, IEnumerable<string> names)
    {
        var yaml = Manifests.EcdsaCertificates(ns, issuer, names, name => DnsName(ns, name));
        var applied = await cluster.ApplyAsync(yaml);
        Assert.True(applied.ExitCode == 0, applied.Error);
    }

    private Task AllReadyAsync(string ns, IReadOnlyCollection<string> names, TimeSpan timeout) =>
        Processes.Eventually(async () =>
            {
                var (_, listed, _) = await cluster.KubectlAsync("-n", ns, "get", "certificates", "-o",
                    "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
                var ready = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("=True", StringComparison.Ordinal))
                    .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet();
                return string.Join(", ", names.Where(n => !ready.Contains(n)));
            }, notReady => notReady.Length == 0, $"every Certificate in {ns} to be Ready (silo log: {cluster.SiloLog}); the last list is of those not Ready",
            (int)timeout.TotalSeconds);

    private async Task<List<string>> RequestsAsync(string ns) =>
        [.. (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()];

    private async Task<Dictionary<string, string>> SecretVersionsAsync(string ns) =>
        (await cluster.MustAsync("-n", ns, "get", "secrets", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}"))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split('='))
        .ToDictionary(p => p[0], p => p[1]);

    private async Task<string> SecretKeyAsync(string ns, string secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", $"jsonpath={{.data.{key}}}")));

    /// <summary>This namespace's reminders: grain type (the GrainId before the first slash) and object name.</summary>
    private async Task<List<(string GrainType, string Name, string Reminder)>> RemindersAsync(string ns)
    {
        var rows = await RedisKeys.RemindersAsync(cluster.Redis, CrashFixture.ServiceId);
        var prefix = $"/local/{ns}/";
        return [.. rows.Select(r => (GrainId: r[1]!.GetValue<string>(), Reminder: r[2]!.GetValue<string>()))
            .Where(r => r.GrainId.Contains(prefix, StringComparison.Ordinal))
            .Select(r => (r.GrainId[..r.GrainId.IndexOf('/', StringComparison.Ordinal)], r.GrainId[(r.GrainId.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..], r.Reminder))];
    }
}
