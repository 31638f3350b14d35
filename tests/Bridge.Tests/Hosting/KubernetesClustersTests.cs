using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Hosting;

public sealed class KubernetesClustersTests : EmulatorTest
{
    [Fact]
    public void A_missing_kubeconfig_is_reported_with_the_setting_to_fix()
    {
        var options = new BridgeOptions { Kubeconfig = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "config") };

        var failure = Assert.Throws<InvalidOperationException>(() =>
            new KubernetesClusters(Options.Create(options), NullLoggerFactory.Instance));

        Assert.Contains("cluster \"local\"", failure.Message);
        Assert.Contains("CertFleet__Kubeconfig", failure.Message);
    }

    [Fact]
    public void Connections_are_found_by_cluster_name_and_unknown_clusters_are_refused()
    {
        Assert.Equal(BridgeEmulator.Cluster, Api.Clusters[BridgeEmulator.Cluster].Name);
        Assert.Single(Api.Clusters.All);
        Assert.True(Assert.Throws<ClusterWriteException>(() => Api.Clusters["elsewhere"]).IsNotMember);
    }
}
