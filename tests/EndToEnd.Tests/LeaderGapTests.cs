using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Leader terms that do not meet cleanly, with Redis storage (grain state and reminders outlive the silo): objects
/// deleted while no silo runs, which the next leader delivers from the objects earlier terms stored; and two silos that
/// both believe they lead.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class LeaderGapTests(CrashFixture cluster) : AcmeSteps(cluster)
{
    private const string SecondSilo = "second-silo";

    private Task ReadyAsync(string ns, string name) =>
        Processes.Eventually(() => Field("certificate", ns, name, "{.status.conditions[?(@.type==\"Ready\")].status}"),
            ready => ready == "True", $"Certificate {ns}/{name} to be Ready (silo log: {cluster.SiloLog})");

    /// <summary>The reproduction: the name of a Secret whose Certificate went while no silo ran is free again.</summary>
    [Fact]
    public async Task SecretOfACertificateDeletedWhileNoSiloRan_CanBeClaimedByANewCertificate()
    {
        var ns = await cluster.NamespaceAsync();
        var issuer = $"selfsigned-{ns}";
        await cluster.MustApplyAsync(Manifests.SelfSignedClusterIssuer(issuer));
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "a", issuer, issuerKind: "ClusterIssuer", secretName: "shared-tls"));
        await ReadyAsync(ns, "a");

        await cluster.KillSiloAsync();
        await cluster.MustAsync("-n", ns, "delete", "certificate", "a");
        await cluster.MustAsync("-n", ns, "delete", "secret", "shared-tls");
        await cluster.StartSiloAsync();

        await cluster.MustApplyAsync(Manifests.Certificate(ns, "b", issuer, issuerKind: "ClusterIssuer", secretName: "shared-tls"));
        await ReadyAsync(ns, "b");
        Assert.Equal("b", await Field("secret", ns, "shared-tls", "{.metadata.annotations.cert-manager\\.io/certificate-name}"));
    }

    /// <summary>
    /// A CA Issuer, a Certificate it issued and that Certificate's Secret are deleted while no silo runs. After the
    /// restart the Issuer signs nothing, the Certificate's grain state and reminder are gone, and the Secret name can be
    /// claimed by another Certificate.
    /// </summary>
    [Fact]
    public async Task IssuerCertificateAndSecretDeletedWhileNoSiloRan_AreGoneAfterTheRestart()
    {
        var ns = await cluster.NamespaceAsync();
        var root = $"selfsigned-{ns}";
        await cluster.MustApplyAsync(Manifests.SelfSignedClusterIssuer(root));
        await cluster.MustApplyAsync(Manifests.CaCertificate(ns, "root", root));
        await ReadyAsync(ns, "root");
        await cluster.MustApplyAsync(Manifests.CaIssuer(ns, "ca", "root-tls"));
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "leaf", "ca"));
        await ReadyAsync(ns, "leaf");
        var leafGrain = $"certificate/local/{ns}/leaf";
        Assert.NotNull(await RedisKeys.StateAsync(cluster.Redis, CrashFixture.ServiceId, leafGrain, "certificate"));
        Assert.Contains(await ReminderGrainsAsync(), grain => grain == leafGrain);

        await cluster.KillSiloAsync();
        await cluster.MustAsync("-n", ns, "delete", "issuer", "ca");
        await cluster.MustAsync("-n", ns, "delete", "certificate", "leaf");
        await cluster.MustAsync("-n", ns, "delete", "secret", "leaf-tls");
        await cluster.StartSiloAsync();

        // The deleted Issuer signs nothing: a request naming it waits, told the Issuer is not found.
        await cluster.MustApplyAsync(Request(ns, "after-gap", "ca"));
        await Processes.Eventually(() => Field("certificaterequest", ns, "after-gap", "{.status.conditions[?(@.type==\"Ready\")].message}"),
            message => message.Contains("Issuer not found", StringComparison.Ordinal), "the request to be told its Issuer is gone");
        Assert.Equal("", await Field("certificaterequest", ns, "after-gap", "{.status.certificate}"));

        // The Certificate's grain state and reminder went with the delivered deletion.
        await Processes.Eventually(async () => await RedisKeys.StateAsync(cluster.Redis, CrashFixture.ServiceId, leafGrain, "certificate") is null
                                              && !(await ReminderGrainsAsync()).Contains(leafGrain),
            gone => gone, "the deleted Certificate's grain state and reminder to be removed");

        // Its Secret name is free.
        await cluster.MustApplyAsync(Manifests.Certificate(ns, "claimant", root, issuerKind: "ClusterIssuer", secretName: "leaf-tls"));
        await ReadyAsync(ns, "claimant");
        Assert.Equal("claimant", await Field("secret", ns, "leaf-tls", "{.metadata.annotations.cert-manager\\.io/certificate-name}"));
        Assert.Equal("", await Field("certificaterequest", ns, "after-gap", "{.status.certificate}"));
    }

    /// <summary>
    /// A second silo joins, and the Lease is rewritten behind the silos' backs every 3 s, naming one and then the other
    /// as holder: each renews within its deadline, so both run their watches and deliver every change while ACME
    /// Certificates are issued. Grains are single activations across the silos, so each Certificate still makes one
    /// CertificateRequest, the CA sees one order for it, and its Secret ends holding the one certificate issued.
    /// </summary>
    [Fact]
    public async Task TwoSilosLeadingAtOnce_OneOrderPerCertificate_AndEachSecretHoldsTheOneIssuedCertificate()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var firstLogStart = new FileInfo(cluster.SiloLog).Length;
        var secondLog = $"second-silo-{ns}.log";
        var second = await cluster.StartAnotherSiloAsync(new Dictionary<string, string>
        {
            ["CertFleet__Identity"] = SecondSilo,
            ["CertFleet__Orleans__SiloPort"] = Port(),
            ["CertFleet__Orleans__GatewayPort"] = Port(),
            ["CertFleet__Http01__SolverPort"] = Port(),
        }, secondLog);
        try
        {
            var (leaseNamespace, first) = await LeaseAsync();
            Assert.NotEqual(SecondSilo, first);
            using var stop = new CancellationTokenSource();
            var flipping = FlipLeaseAsync(leaseNamespace, [SecondSilo, first], stop.Token);
            var names = Enumerable.Range(0, 8).Select(i => $"dual{i}").ToList();
            try
            {
                await Processes.Eventually(() => LogSinceAsync(Path.Combine(Path.GetDirectoryName(cluster.SiloLog)!, secondLog), 0),
                    log => log.Contains("Leading cluster", StringComparison.Ordinal), "the second silo to lead as well");
                foreach (var name in names)
                    await CertificateAsync(ns, name, issuer, DnsName(ns, name));
                await Task.Delay(TimeSpan.FromSeconds(15)); // issuance runs while both deliver every change
            }
            finally
            {
                await stop.CancelAsync();
                await flipping;
            }
            // The first silo led throughout: both delivered every change of the window.
            Assert.DoesNotContain("Stopped leading", await LogSinceAsync(cluster.SiloLog, firstLogStart));

            await Processes.Eventually(async () =>
                {
                    var ready = await Task.WhenAll(names.Select(n => Field("certificate", ns, n, "{.status.conditions[?(@.type==\"Ready\")].status}")));
                    return ready.Count(r => r == "True");
                }, count => count == names.Count, $"every Certificate in {ns} to be Ready (silo log: {cluster.SiloLog})", 240);

            var orders = cluster.Proxy.OrdersCreated;
            Assert.All(names, name => Assert.Equal(1, orders.GetValueOrDefault(AcmeCountingProxy.IdentifierSet(DnsName(ns, name)))));
            var requests = (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(names.Select(n => $"certificaterequest.cert-manager.io/{n}-1").Order(), requests.Order());
            foreach (var name in names)
            {
                var issued = await Field("certificaterequest", ns, $"{name}-1", "{.status.certificate}");
                Assert.NotEqual("", issued);
                Assert.Equal(issued, await Field("secret", ns, $"{name}-tls", "{.data.tls\\.crt}"));
                Assert.Equal("1", await Field("certificate", ns, name, "{.status.revision}"));
            }
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    private static string Port() => Processes.FreePort().ToString(CultureInfo.InvariantCulture);

    private static string DnsName(string ns, string name) => $"{name}.{ns}.crash.example";

    private async Task<(string Namespace, string Holder)> LeaseAsync()
    {
        var lease = await cluster.MustAsync("get", "leases", "-A", "-o",
            "jsonpath={range .items[?(@.metadata.name==\"certfleet-controller\")]}{.metadata.namespace} {.spec.holderIdentity}{end}");
        var parts = lease.Split(' ');
        return (parts[0], parts[1]);
    }

    /// <summary>Names each holder in turn, with a fresh renew time, until cancelled.</summary>
    private async Task FlipLeaseAsync(string leaseNamespace, string[] holders, CancellationToken ct)
    {
        for (var turn = 0; !ct.IsCancellationRequested; turn++)
        {
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            await cluster.MustAsync("-n", leaseNamespace, "patch", "lease", "certfleet-controller", "--type", "merge", "-p",
                $$$"""{"spec":{"holderIdentity":"{{{holders[turn % holders.Length]}}}","renewTime":"{{{now}}}"}}""");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(3), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>What a silo log holds after byte <paramref name="offset"/>.</summary>
    private static async Task<string> LogSinceAsync(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private async Task<List<string>> ReminderGrainsAsync() =>
        [.. (await RedisKeys.RemindersAsync(cluster.Redis, CrashFixture.ServiceId)).Select(row => row[1]!.GetValue<string>())];

    private static string Request(string ns, string name, string issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={name}.e2e.example", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        return $$"""
            apiVersion: cert-manager.io/v1
            kind: CertificateRequest
            metadata: {name: {{name}}, namespace: {{ns}}}
            spec:
              request: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(csr))}}
              issuerRef: {name: {{issuer}}, kind: Issuer}
            """;
    }
}
