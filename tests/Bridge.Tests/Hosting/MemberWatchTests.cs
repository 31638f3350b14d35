using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Hosting;

/// <summary>
/// Member clusters joining and leaving a bridge at runtime, their Leases in the home cluster, and how two silos share
/// them. Each member is an emulator of its own; the hosts stand for silos.
/// </summary>
public sealed class MemberWatchTests : EmulatorTest
{
    private static readonly string Certificates = CustomResourceSource.NameOf(ResourceKind.Certificate);
    private readonly List<BridgeEmulator> _members = [];

    public override async Task DisposeAsync()
    {
        foreach (var member in _members)
            await member.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<BridgeEmulator> MemberAsync()
    {
        var member = await BridgeEmulator.StartAsync();
        _members.Add(member);
        return member;
    }

    private async Task<V1Lease?> LeaseAsync(string name)
    {
        try
        {
            return await Api.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, "cert-manager");
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static bool Saw(BridgeHost host, string cluster, string name) =>
        host.Receiver.Changes.Any(c => c.Resource == Certificates && c.Key.Cluster == cluster && c.Key.Name == name);

    [Fact]
    public async Task A_member_that_joins_is_watched_with_its_lease_in_the_home_cluster_and_one_that_leaves_gets_no_more_requests()
    {
        await Api.CreateNamespaceAsync("cert-manager");
        var member = await MemberAsync();
        await member.CreateCertificateAsync("shop");
        await using var host = await BridgeHost.StartAsync(Api.Server, "silo-a");

        host.AddMember("eu", member.Server);
        await Eventually.TrueAsync(() => Saw(host, "eu", "shop"), "the member's Certificate is delivered");
        Assert.True(host.Bridge.IsLeading("eu"));
        Assert.Equal("silo-a", host.Bridge.Watching("eu"));
        Assert.Equal("silo-a", (await LeaseAsync("certfleet-controller-member-eu"))?.Spec.HolderIdentity);
        // The member needs no Lease of its own (nor RBAC for one).
        Assert.Empty((await member.Client.CoordinationV1.ListLeaseForAllNamespacesAsync()).Items);

        Assert.True(host.Clusters.Remove("eu"));
        Assert.False(host.Bridge.IsLeading("eu"));
        Assert.Null(host.Bridge.Watching("eu"));
        var after = member.Server.Stats.Requests;
        await member.CreateCertificateAsync("late");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(after + 1, member.Server.Stats.Requests); // only the test's own create
        Assert.False(Saw(host, "eu", "late"));
        await Eventually.TrueAsync(async () => (await LeaseAsync("certfleet-controller-member-eu"))?.Spec.HolderIdentity == "",
            "the leaving member's Lease is released");
        Assert.True(host.Bridge.IsLeading(BridgeEmulator.Cluster), "the home cluster is still watched");
    }

    [Fact]
    public async Task Two_silos_share_the_members_and_the_survivor_takes_them_all_when_the_other_stops()
    {
        await Api.CreateNamespaceAsync("cert-manager");
        var silos = new SiloCount(1);
        var names = new[] { "m1", "m2", "m3", "m4" };
        var members = new Dictionary<string, BridgeEmulator>();
        foreach (var name in names)
        {
            members[name] = await MemberAsync();
            await members[name].CreateCertificateAsync("web");
        }
        await using var first = await BridgeHost.StartAsync(Api.Server, "silo-a", silos: silos);
        foreach (var name in names)
            first.AddMember(name, members[name].Server);
        await Eventually.TrueAsync(() => names.All(name => first.Bridge.IsLeading(name)), "the only silo watches every member");

        // A second silo joins the membership: the first hands off what it holds above ceil(5 / 2) = 3.
        silos.Count = 2;
        await using var second = await BridgeHost.StartAsync(Api.Server, "silo-b", silos: silos);
        foreach (var name in names)
            second.AddMember(name, members[name].Server);
        var all = names.Append(BridgeEmulator.Cluster).ToList();
        await Eventually.TrueAsync(() => all.Count(first.Bridge.IsLeading) == 3 && all.Count(second.Bridge.IsLeading) == 2,
            "the clusters are spread 3 + 2", TimeSpan.FromSeconds(30));
        Assert.All(all, cluster => Assert.True(first.Bridge.IsLeading(cluster) ^ second.Bridge.IsLeading(cluster), $"{cluster}: one watcher"));
        foreach (var cluster in all)
        {
            var watcher = first.Bridge.IsLeading(cluster) ? "silo-a" : "silo-b";
            await Eventually.TrueAsync(() => first.Bridge.Watching(cluster) == watcher && second.Bridge.Watching(cluster) == watcher,
                $"both silos name the watcher of {cluster}");
        }
        foreach (var name in names.Where(second.Bridge.IsLeading))
            await Eventually.TrueAsync(() => Saw(second, name, "web"), $"the second silo delivers {name}'s Certificate");

        await first.StopAsync();
        await Eventually.TrueAsync(() => all.All(second.Bridge.IsLeading), "the survivor watches every cluster");
        foreach (var name in names)
        {
            await members[name].CreateCertificateAsync("after");
            await Eventually.TrueAsync(() => Saw(second, name, "after"), $"{name} is watched by the survivor");
        }
    }

    [Fact]
    public async Task An_unreachable_member_keeps_its_watcher_and_the_others_and_readiness_are_unaffected()
    {
        await Api.CreateNamespaceAsync("cert-manager");
        var down = await MemberAsync();
        var up = await MemberAsync();
        await using var host = await BridgeHost.StartAsync(Api.Server, "silo-a");
        host.AddMember("down", down.Server);
        host.AddMember("up", up.Server);
        await Eventually.TrueAsync(() => host.Bridge.IsLeading("down") && host.Bridge.IsLeading("up"), "both are watched");

        down.Server.Faults.MakeUnreachable(TimeSpan.FromMinutes(1));
        await up.CreateCertificateAsync("during");
        await Eventually.TrueAsync(() => Saw(host, "up", "during"), "the reachable member is still watched");
        await Task.Delay(host.Clusters.Home.Options.LeaseDuration);
        Assert.True(host.Bridge.IsLeading("down"), "an outage of the member does not move its Lease");
        Assert.Equal("silo-a", (await LeaseAsync("certfleet-controller-member-down"))?.Spec.HolderIdentity);
        Assert.True(DateTimeOffset.UtcNow - host.Bridge.HomeApiServerAnswer < host.Clusters.Home.Options.RenewDeadline,
            "the home cluster still answers the elections (readiness)");

        down.Server.Faults.MakeUnreachable(TimeSpan.Zero);
        await down.CreateCertificateAsync("after");
        await Eventually.TrueAsync(() => Saw(host, "down", "after"), "the member's watches resume once it answers again", TimeSpan.FromSeconds(45));
    }
}
