using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using CertFleet.Bridge.Tests.Infrastructure;

namespace CertFleet.Bridge.Tests.Dispatch;

/// <summary>A change still queued when its cluster left the fleet reaches no grain (it would store state again).</summary>
public sealed class LeftClusterDeliveryTests
{
    private sealed class Members(params string[] left) : IClusterMembership
    {
        public bool HasLeft(string cluster) => left.Contains(cluster);
    }

    [Theory]
    [InlineData("member-1", 1)]
    [InlineData("leaver", 0)]
    public async Task A_deletion_of_a_certificate_request_reaches_its_grain_only_while_its_cluster_is_a_member(string cluster, int calls)
    {
        var (factory, recorded) = RecordingGrainFactory.Create();
        var receiver = new GrainChangeReceiver(factory, membership: new Members("leaver"));

        await receiver.ReceiveAsync(new ObjectChange("certificaterequests.cert-manager.io", new ObjectKey(cluster, "ns", "web-1"), "uid-1", null), CancellationToken.None);

        Assert.Equal(calls, recorded.Count);
    }
}
