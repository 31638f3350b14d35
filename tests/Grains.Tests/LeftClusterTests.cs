using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using Microsoft.Extensions.DependencyInjection;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>Grains of a cluster that left the fleet forget themselves without writing to it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LeftClusterTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private IReminderTable Reminders => fixture.TestCluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();

    [Fact]
    public async Task A_renewal_reminder_of_a_cluster_that_left_clears_the_grain_and_writes_nothing()
    {
        const string member = "left-by-reminder";
        var ns = NewNamespace();
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(member, "", "selfsigned").ToGrainKey()).SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        var key = new ObjectKey(member, ns, "web");
        var grain = fixture.Grains.GetGrain<ICertificateGrain>(key.ToGrainKey());
        await grain.SyncAsync(Certificate(ns, "web", s => { s.Duration = "3h"; s.RenewBefore = "1h"; }));
        var issued = await Eventually(() => Task.FromResult(Cluster.Status<CertificateStatus>(ResourceKind.Certificate, key)),
            s => s?.Revision == 1, "revision 1");
        var grainId = GrainId.Create("certificate", key.ToGrainKey());
        Assert.Single((await Reminders.ReadRows(grainId)).Reminders);

        Cluster.LeftClusters[member] = true;
        var writes = Writes(member, ns);
        fixture.Clock.SetUtcNow(issued!.RenewalTime!.Value);

        await Eventually(async () => (await Reminders.ReadRows(grainId)).Reminders.Count, n => n == 0, "the reminder to go");
        Assert.Null((await grain.GetStateAsync()).Object);
        Assert.Equal(writes, Writes(member, ns));
        Assert.False(Cluster.Requests.ContainsKey(key.WithName("web-2")), "no renewal for a cluster that left");
        Cluster.LeftClusters.TryRemove(member, out _);
    }

    [Fact]
    public async Task Detaching_forgets_without_the_deletion_paths_cleanup()
    {
        const string member = "left-by-sweep";
        var ns = NewNamespace();
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(member, "", "selfsigned").ToGrainKey()).SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        var key = new ObjectKey(member, ns, "web");
        var grain = fixture.Grains.GetGrain<ICertificateGrain>(key.ToGrainKey());
        await grain.SyncAsync(Certificate(ns, "web"));
        await Eventually(() => Task.FromResult(Cluster.Status<CertificateStatus>(ResourceKind.Certificate, key)), s => s?.Revision == 1, "revision 1");
        var writes = Writes(member, ns);

        await grain.DetachAsync();

        Assert.Empty((await Reminders.ReadRows(GrainId.Create("certificate", key.ToGrainKey()))).Reminders);
        Assert.Null((await grain.GetStateAsync()).Object);
        Assert.Equal(writes, Writes(member, ns));
        Assert.True(Cluster.Secrets.ContainsKey(key.WithName("web-tls")), "the Secret stays in the cluster");
    }

    /// <summary>
    /// Everything written to <paramref name="member"/> so far (statuses with their content, Secrets with their
    /// versions, requests, Events, deletions), as one text to compare.
    /// </summary>
    private string Writes(string member, string ns) => string.Join("\n",
        Cluster.Statuses.Where(s => s.Key.Key.Cluster == member).Select(s => $"{s.Key}={s.Value}").Order()
            .Concat(Cluster.Secrets.Where(s => s.Key.Cluster == member).Select(s => $"{s.Key}={s.Value.ResourceVersion}").Order())
            .Concat(Cluster.Requests.Keys.Where(k => k.Cluster == member).Select(k => k.ToString()).Order())
            .Append($"events {Cluster.Events.Count(e => e.Object.Cluster == member)}")
            .Append($"deletions {Cluster.Deleted.Count(d => d.Contains(ns, StringComparison.Ordinal))}"));
}
