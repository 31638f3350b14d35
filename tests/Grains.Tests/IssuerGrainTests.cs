using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>The issuer as every Certificate of it sees it: a snapshot that never queues, and waiters woken once it is ready.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IssuerGrainTests(ClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private FakeCluster Cluster => fixture.Cluster;

    /// <summary>A CA key pair as <c>kubectl create secret tls</c> would store it.</summary>
    public static Dictionary<string, string> CaSecretData(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(365));
        return new() { ["tls.crt"] = ca.ExportCertificatePem(), ["tls.key"] = key.ExportPkcs8PrivateKeyPem() };
    }

    [Fact]
    public async Task A_snapshot_of_a_ready_issuer_does_not_wait_behind_a_slow_check()
    {
        var ns = NewNamespace();
        var secret = Key(ns, "ca-tls");
        Cluster.PutSecret(secret, CaSecretData("Slow CA", fixture.Clock.GetUtcNow()));
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls"));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.SecretReadGates[secret] = gate;
        try
        {
            var slowCheck = issuer.SecretChangedAsync(); // holds the issuer's turn until the Secret read returns
            await Task.Delay(300);
            Assert.False(slowCheck.IsCompleted);

            var snapshot = issuer.GetSnapshotAsync(Key(ns, "waiter"));
            Assert.Same(snapshot, await Task.WhenAny(snapshot, Task.Delay(TimeSpan.FromSeconds(15))));
            Assert.True((await snapshot).Readiness.Ready);
            Assert.Equal(secret, (await snapshot).CaSecret);
            Assert.False(slowCheck.IsCompleted);

            gate.SetResult();
            await slowCheck;
        }
        finally
        {
            Cluster.SecretReadGates.TryRemove(secret, out _);
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task Ten_thousand_certificates_waiting_on_one_issuer_are_all_stored_by_far_fewer_writes()
    {
        var ns = NewNamespace();
        var key = Key(ns, "ca");
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(key.ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls"));
        var grainId = Orleans.Runtime.GrainId.Create("issuer", key.ToGrainKey());
        var writesBefore = fixture.Storage.WritesOf(grainId);
        var waiters = Enumerable.Range(0, 10_000).Select(i => Key(ns, $"cert-{i}")).ToList();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var snapshots = await Task.WhenAll(waiters.Select(w => issuer.GetSnapshotAsync(w)));
        var writes = fixture.Storage.WritesOf(grainId) - writesBefore;
        output.WriteLine($"{waiters.Count} waiters registered in {started.ElapsedMilliseconds} ms with {writes} state writes");

        Assert.All(snapshots, s => Assert.Equal(IssuerReasons.ErrGetKeyPair, s.Readiness.Reason));
        Assert.True(writes < waiters.Count / 10, $"{writes} writes for {waiters.Count} waiters");
        var stored = new Orleans.GrainState<Grains.State.IssuerState>();
        await fixture.Storage.ReadStateAsync("issuer", grainId, stored);
        Assert.Equal(waiters.Count, stored.State!.Waiters.Count(w => w.Namespace == ns));
    }

    [Fact]
    public async Task A_certificate_waiting_on_a_ca_issuer_without_its_secret_is_woken_and_issued_once_the_secret_appears()
    {
        var ns = NewNamespace();
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls"));
        var snapshot = await issuer.GetSnapshotAsync(null);
        Assert.False(snapshot.Readiness.Ready);
        Assert.Equal(IssuerReasons.ErrGetKeyPair, snapshot.Readiness.Reason);
        Assert.Equal($"Error getting keypair for CA issuer: secrets \"ca-tls\" not found in namespace \"{ns}\"", snapshot.Readiness.Message);

        var certificate = fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, "leaf").ToGrainKey());
        await certificate.SyncAsync(Certificate(ns, "leaf", s => { s.IssuerName = "ca"; s.IssuerKind = "Issuer"; }));
        await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "leaf", ConditionTypes.Ready)),
            c => c?.Reason == CertFleetReasons.IssuerNotReady, "the Certificate waiting on its issuer");

        Cluster.PutSecret(Key(ns, "ca-tls"), CaSecretData("Late CA", fixture.Clock.GetUtcNow()));
        await issuer.SecretChangedAsync(); // as the Secret's claim grain tells it; nobody tells the Certificate
        await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "leaf", ConditionTypes.Ready)),
            c => c?.Reason == CertificateReasons.Ready, "the woken Certificate issued");
        using var leaf = X509Certificate2.CreateFromPem(Cluster.Secrets[Key(ns, "leaf-tls")].GetString(SecretKeys.TlsCertificate));
        Assert.Equal("CN=Late CA", leaf.Issuer);
    }

    [Fact]
    public async Task Its_own_status_write_coming_back_is_ignored_while_a_status_changed_by_others_or_a_new_generation_is_not()
    {
        var name = $"echo-{NewNamespace()}";
        var key = new ObjectKey(TestObjects.Cluster, "", name);
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(key.ToGrainKey());
        var selfSigned = SelfSignedClusterIssuer(name);
        await issuer.SyncAsync(selfSigned);
        Assert.NotNull(Cluster.Status<IssuerStatus>(ResourceKind.ClusterIssuer, key));

        // At or below its own write (here an older event without status): an echo, nothing is written.
        Cluster.Statuses.TryRemove((ResourceKind.ClusterIssuer.Plural, key), out _);
        await issuer.SyncAsync(selfSigned with { Metadata = selfSigned.Metadata with { ResourceVersion = "1" } });
        Assert.Null(Cluster.Status<IssuerStatus>(ResourceKind.ClusterIssuer, key));

        // Above it, with the status wiped by someone else: the Ready condition is put back.
        await issuer.SyncAsync(selfSigned with { Metadata = selfSigned.Metadata with { ResourceVersion = Cluster.NextResourceVersion() } });
        var restored = Cluster.Status<IssuerStatus>(ResourceKind.ClusterIssuer, key);
        Assert.Equal(IssuerReasons.IsReady, Assert.Single(restored!.Conditions!).Reason);

        // A new generation is a spec change even when its event's version is old.
        await issuer.SyncAsync(selfSigned with
        {
            Metadata = selfSigned.Metadata with { ResourceVersion = "1", Generation = 2 },
            Spec = new IssuerSpec { CA = new CaIssuer { SecretName = "absent" } },
        });
        var changed = Cluster.Status<IssuerStatus>(ResourceKind.ClusterIssuer, key);
        Assert.Equal(IssuerReasons.ErrGetKeyPair, Assert.Single(changed!.Conditions!).Reason);
        Assert.Equal((long?)2, changed.Conditions![0].ObservedGeneration);
    }

    [Fact]
    public async Task A_dns01_solver_that_cannot_be_built_is_a_warning_on_the_issuer_when_it_is_synced()
    {
        var ns = NewNamespace();
        Cluster.PutSecret(Key(ns, "cf-token"), new() { ["api-token"] = "token" });
        var issuer = new IssuerObject
        {
            Kind = "Issuer",
            Metadata = new ObjectMeta { Name = "acme", Namespace = ns, Uid = $"uid-acme-{ns}", Generation = 1 },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = "https://acme.example.test/directory",
                    PrivateKeySecretRef = new SecretKeySelector { Name = "acme-key" },
                    Solvers =
                    [
                        new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } },
                        new AcmeChallengeSolver { Dns01 = new AcmeDns01Solver { Webhook = new AcmeDns01Webhook { SolverName = "hetzner" } } },
                        new AcmeChallengeSolver { Dns01 = new AcmeDns01Solver { Digitalocean = new AcmeDns01DigitalOcean { TokenSecretRef = new SecretKeySelector { Name = "do-token" } } } },
                        new AcmeChallengeSolver { Dns01 = new AcmeDns01Solver { Cloudflare = new AcmeDns01Cloudflare { ApiTokenSecretRef = new SecretKeySelector { Name = "cf-token" } } } },
                        new AcmeChallengeSolver { Dns01 = new AcmeDns01Solver() },
                    ],
                },
            },
        };
        var grain = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "acme").ToGrainKey());
        List<EventRecord> Warnings() => [.. Cluster.Events.Where(e => e.Object == Key(ns, "acme") && e.Reason == IssuerReasons.InvalidSolver)];

        await grain.SyncAsync(issuer);

        var warnings = await Eventually(() => Task.FromResult(Warnings()), w => w.Count == 3, "a warning for each solver that cannot be built");
        Assert.All(warnings, w => Assert.Equal((EventRecord.Warning, ResourceKind.Issuer), (w.Type, w.Kind)));
        Assert.Contains(warnings, w => w.Message.StartsWith("spec.acme.solvers[1].dns01.webhook.groupName: Required value", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message == $"spec.acme.solvers[2].dns01.digitalocean.tokenSecretRef: Secret \"{ns}/do-token\" not found");
        Assert.Contains(warnings, w => w.Message.StartsWith("spec.acme.solvers[4].dns01: no provider is configured", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Message.Contains("solvers[3]", StringComparison.Ordinal) || w.Message.Contains("solvers[0]", StringComparison.Ordinal));

        // The same generation synced again (a resync, a status echo) is not told again; a new generation is checked anew.
        await grain.SyncAsync(issuer);
        await Task.Delay(300);
        Assert.Equal(3, Warnings().Count);
        Cluster.PutSecret(Key(ns, "do-token"), new() { ["access-token"] = "token" });
        await grain.SyncAsync(issuer with { Metadata = issuer.Metadata with { Generation = 2 } });
        await Eventually(() => Task.FromResult(Warnings()), w => w.Count == 5, "the two solvers still broken warned about again");
        Assert.Single(Warnings(), w => w.Message.Contains("digitalocean.tokenSecretRef", StringComparison.Ordinal));
    }
}
