using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Bridge.Tests.Dispatch;

/// <summary>A change still queued when its cluster left the fleet reaches no grain (it would store state again).</summary>
public sealed class LeftClusterDeliveryTests : EmulatorTest
{
    [Theory]
    [InlineData(BridgeEmulator.Cluster, 1)]
    [InlineData("leaver", 0)]
    public async Task A_deletion_of_a_certificate_request_reaches_its_grain_only_while_its_cluster_is_connected(string cluster, int calls)
    {
        var (factory, recorded) = RecordingGrainFactory.Create();
        var receiver = new GrainChangeReceiver(factory, clusters: Api.Clusters);

        await receiver.ReceiveAsync(new ObjectChange("certificaterequests.cert-manager.io", new ObjectKey(cluster, "ns", "web-1"), "uid-1", null), CancellationToken.None);

        Assert.Equal(calls, recorded.Count);
    }
}
