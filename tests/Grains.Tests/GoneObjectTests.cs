using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// A status write answered 404 means the object was deleted without its grain hearing of it (while no silo watched,
/// say): the grain forgets it as a delivered deletion would, instead of retrying for ever.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GoneObjectTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private ICertificateGrain Certificate(string ns, string name) => fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    [Fact]
    public async Task A_Certificate_whose_status_write_finds_it_gone_drops_its_state_and_frees_its_Secret_name()
    {
        var ns = NewNamespace();
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey())
            .SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        await Certificate(ns, "web").SyncAsync(TestObjects.Certificate(ns, "web"));
        await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "web", ConditionTypes.Ready)),
            ready => ready?.Reason == CertificateReasons.Ready, "the Certificate to be Ready");
        Assert.NotNull((await Certificate(ns, "web").GetStateAsync()).Object);

        // Deleted behind its back; a spec change it still sees makes it write status.
        Cluster.GoneNamespaces[ns] = true;
        await Certificate(ns, "web").SyncAsync(TestObjects.Certificate(ns, "web", s => s.DnsNames = ["changed.example.test"], generation: 2));

        await Eventually(async () => (await Certificate(ns, "web").GetStateAsync()).Object, state => state is null,
            "the grain to forget the Certificate");
        var claim = fixture.Grains.GetGrain<ISecretClaimGrain>(Key(ns, "web-tls").ToGrainKey());
        Assert.Equal("claimant", await claim.ClaimAsync("claimant"));
    }

    [Fact]
    public async Task An_Issuer_whose_status_write_finds_it_gone_reports_itself_not_found()
    {
        var ns = NewNamespace();
        Cluster.GoneNamespaces[ns] = true;
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "self").ToGrainKey());
        await issuer.SyncAsync(new IssuerObject
        {
            Kind = "Issuer",
            Metadata = new ObjectMeta { Name = "self", Namespace = ns, Uid = $"uid-self-{ns}", Generation = 1 },
            Spec = new IssuerSpec { SelfSigned = new SelfSignedIssuer() },
        });

        var snapshot = await issuer.GetSnapshotAsync(null);
        Assert.False(snapshot.Readiness.Exists);
        Assert.False(snapshot.Readiness.Ready);
    }
}
