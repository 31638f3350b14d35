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
        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", IssuerName).ToGrainKey());
        await issuer.SyncAsync(new IssuerObject
        {
            Kind = "ClusterIssuer",
            Metadata = new ObjectMeta { Name = IssuerName, Uid = $"uid-{IssuerName}", Generation = 1 },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = Acme.DirectoryUrl,
                    PrivateKeySecretRef = new SecretKeySelector { Name = $"{IssuerName}-account" },
                    Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } }],
                },
            },
        });
        await Eventually(() => issuer.GetReadinessAsync(null), r => r.Ready, "the ACME issuer to register its account");
    }

    public async Task DisposeAsync() => await Acme.DisposeAsync();

    protected ICertificateGrain Grain(string ns, string name) => Fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    protected Certificate AcmeCertificate(string ns, string name, params string[] dnsNames) =>
        Certificate(ns, name, s => { s.IssuerName = IssuerName; s.DnsNames = [.. dnsNames]; });

    protected string? Reason(string ns, string name, string type) => ConditionOf(Cluster, ns, name, type)?.Reason;

    protected Task<T> WhileTimePasses<T>(Func<Task<T>> wait) => Fixture.WhileTimePasses(wait);
}
