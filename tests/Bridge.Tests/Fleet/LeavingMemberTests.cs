using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Fleet;

/// <summary>A member that leaves: its watches' connections close, and nothing more is sent to it.</summary>
public sealed class LeavingMemberTests : EmulatorTest
{
    [Fact]
    public async Task A_removed_member_has_its_watches_closed_and_refuses_requests_before_sending_them()
    {
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(Api.Server.KubeconfigPath);
        var member = Api.Clusters.Add(new ClusterRegistration("member", ClusterRegistration.SecretSource, new Dictionary<string, string>()),
            configuration, BridgeEmulator.BridgeOptionsFor(Api.Server));
        using var stop = new CancellationTokenSource();
        var source = new CustomResourceSource(member, ResourceKind.Certificate, json => ApiObjects.Read<Certificate>(json), NullLogger.Instance);
        var running = new Reflector(source, member.Name, _ => { }, NullLogger.Instance).RunAsync(stop.Token);
        await Eventually.TrueAsync(() => Api.Server.Stats.ActiveWatches == 1, "the member's watch is open");

        await stop.CancelAsync();
        await running;
        Assert.True(Api.Clusters.Remove(member.Name));

        await Eventually.TrueAsync(() => Api.Server.Stats.ActiveWatches == 0, "the member's watch is closed");
        var requests = Api.Server.Stats.Requests;
        var refused = Assert.Throws<ClusterWriteException>(() => Api.Clusters[member.Name]);
        Assert.True(refused.IsNotMember);
        Assert.Contains("not a member of the fleet", refused.Message);
        Assert.Equal(requests, Api.Server.Stats.Requests);
    }
}
