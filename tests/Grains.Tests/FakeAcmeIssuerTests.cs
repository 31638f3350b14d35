using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Tests of the whole grain chain (Certificate, CertificateRequest, Order) against a fake ACME server of their own
/// behind a ClusterIssuer of their own, with fake time to drive the order polling.
/// </summary>
public abstract class FakeAcmeIssuerTests(ClusterFixture fixture) : IAsyncLifetime
{
    protected ClusterFixture Fixture { get; } = fixture;

    protected FakeAcmeServer Acme { get; private set; } = null!;

    protected string IssuerName { get; private set; } = "";

    protected FakeCluster Cluster => Fixture.Cluster;

    public async Task InitializeAsync()
    {
        Acme = await FakeAcmeServer.StartAsync();
        IssuerName = $"acme-{Guid.NewGuid():N}"[..16];
        await AddIssuerAsync("", IssuerName, new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } });
    }

    /// <summary>
    /// An ACME Issuer (in <paramref name="ns"/>) or ClusterIssuer (<paramref name="ns"/> empty) on this test's server
    /// with an account key of its own, hence an account of its own; answers once the account is registered.
    /// </summary>
    protected async Task<AcmeIssuerContext> AddIssuerAsync(string ns, string name, AcmeChallengeSolver solver)
    {
        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, ns, name).ToGrainKey());
        await issuer.SyncAsync(new IssuerObject
        {
            Kind = ns.Length == 0 ? "ClusterIssuer" : "Issuer",
            Metadata = new ObjectMeta { Name = name, Namespace = ns.Length == 0 ? null : ns, Uid = $"uid-{name}-{ns}", Generation = 1 },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = Acme.DirectoryUrl,
                    PrivateKeySecretRef = new SecretKeySelector { Name = $"{name}-account" },
                    Solvers = [solver],
                },
            },
        });
        await Eventually(async () => (await issuer.GetSnapshotAsync(null)).Readiness, r => r.Ready, "the ACME issuer to register its account");
        return (await issuer.GetSnapshotAsync(null)).Acme!;
    }

    public async Task DisposeAsync() => await Acme.DisposeAsync();

    protected ICertificateGrain Grain(string ns, string name) => Fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    protected Certificate AcmeCertificate(string ns, string name, params string[] dnsNames) =>
        Certificate(ns, name, s => { s.IssuerName = IssuerName; s.DnsNames = [.. dnsNames]; });

    protected string? Reason(string ns, string name, string type) => ConditionOf(Cluster, ns, name, type)?.Reason;

    protected Task<T> WhileTimePasses<T>(Func<Task<T>> wait) => Fixture.WhileTimePasses(wait);
}
