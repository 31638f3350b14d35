using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertFleet.Bridge.Tests.Hosting;

public sealed class LeaderElectionTests : EmulatorTest
{
    private static readonly string Certificates = CustomResourceSource.NameOf(ResourceKind.Certificate);

    private async Task<string?> LeaseHolderAsync(string ns = "cert-manager")
    {
        var lease = await Api.Client.CoordinationV1.ReadNamespacedLeaseAsync("certfleet-controller", ns);
        return lease.Spec.HolderIdentity;
    }

    [Fact]
    public async Task Only_the_leader_watches_and_another_silo_takes_over_when_it_stops()
    {
        await Api.CreateNamespaceAsync("cert-manager");
        await Api.CreateCertificateAsync("web");
        await using var first = await BridgeHost.StartAsync(Api.Server, "silo-a");
        await Eventually.TrueAsync(() => first.Receiver.Saw(Certificates, "web"), "the first silo leads and delivers");
        await using var second = await BridgeHost.StartAsync(Api.Server, "silo-b");

        await Api.CreateCertificateAsync("api");
        await Eventually.TrueAsync(() => first.Receiver.Saw(Certificates, "api"), "the leader delivers a new certificate");
        Assert.True(first.IsLeading);
        Assert.False(second.IsLeading);
        Assert.Empty(second.Receiver.Changes);
        Assert.Equal("silo-a", await LeaseHolderAsync());

        await first.StopAsync();
        await Eventually.TrueAsync(() => second.IsLeading && second.Receiver.Saw(Certificates, "web") &&
                                         second.Receiver.Saw(Certificates, "api"), "the second silo takes over and lists");
        await Api.CreateCertificateAsync("mail");
        await Eventually.TrueAsync(() => second.Receiver.Saw(Certificates, "mail"), "the new leader delivers live changes");

        Assert.False(first.IsLeading);
        Assert.False(first.Receiver.Saw(Certificates, "mail"));
        Assert.Equal("silo-b", await LeaseHolderAsync());
    }

    [Fact]
    public async Task A_missing_lease_namespace_is_reported_once_and_leadership_follows_once_it_exists()
    {
        await using var host = await BridgeHost.StartAsync(Api.Server, "silo-a", leaseNamespace: "certfleet-system");

        await Eventually.TrueAsync(() => host.Logs.Entries.Any(e => e.Level == LogLevel.Error), "the problem is reported");
        var error = Assert.Single(host.Logs.Entries, e => e.Level == LogLevel.Error).Message;
        Assert.Contains("namespace certfleet-system does not exist", error);
        Assert.Contains("CertFleet__ClusterResourceNamespace", error);
        Assert.False(host.IsLeading);

        await Api.CreateNamespaceAsync("certfleet-system");
        await Eventually.TrueAsync(() => host.IsLeading, "the silo leads once the namespace exists");
        Assert.Single(host.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("silo-a", await LeaseHolderAsync("certfleet-system"));
    }

    [Fact]
    public async Task The_ports_grains_use_are_the_bridge_writer_and_reader()
    {
        await using var host = await BridgeHost.StartAsync(Api.Server, "silo-a");

        Assert.IsType<ClusterWriter>(host.Services.GetRequiredService<IClusterWriter>());
        Assert.IsType<ClusterReader>(host.Services.GetRequiredService<IClusterReader>());
        Assert.Null(await host.Services.GetRequiredService<IClusterReader>().GetSecretAsync(Api.Key("absent")));
    }
}
