using CertFleet.KubeEmulator;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;

namespace CertFleet.Durability.Tests;

/// <summary>The built certfleet-silo executable, twice, against one Redis: the production wiring from environment variables.</summary>
public sealed class ClusterTests
{
    private const string ServiceId = "two-silos";

    [Fact]
    public async Task TwoSiloProcessesOnDifferentPorts_JoinOneClusterThroughRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        // The silos need a Kubernetes API to start; this test gives them nothing to reconcile.
        // They use the audited identity, so what they ask counts in tests/Rbac.Tests.
        await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions
        {
            AuditedClient = new AuditedClientOptions(RbacAudit.NewLogPath(nameof(ClusterTests))),
        });
        await using var first = SiloProcess.Start(api.AuditedKubeconfigPath!, redis, ServiceId);
        await using var second = SiloProcess.Start(api.AuditedKubeconfigPath!, redis, ServiceId);

        await Poll.UntilAsync(async () => await first.IsReadyAsync() && await second.IsReadyAsync(), "both silos to be ready", TimeSpan.FromSeconds(90));
        // A silo only turns Active after connecting to every silo already Active, so two Active rows are one cluster.
        await Poll.UntilAsync(async () => (await RedisKeys.MembersAsync(redis, ServiceId, ServiceId)).Count(m => m.Status == RedisKeys.ActiveStatus) == 2,
            "two Active rows in the Redis membership table", TimeSpan.FromSeconds(60));
        var members = await RedisKeys.MembersAsync(redis, ServiceId, ServiceId);
        Assert.Equal(
            new[] { (first.SiloPort, first.GatewayPort), (second.SiloPort, second.GatewayPort) }.Order(),
            members.Select(m => (SiloAddress.FromParsableString(m.Address).Endpoint.Port, m.ProxyPort)).Order());
        Assert.All(members, m => Assert.StartsWith("127.0.0.1:", m.Address));
        Assert.All(members, m => Assert.Equal(0, m.SuspectCount));
        // Redis storage without CertFleet:Orleans:Tls: each silo says what that leaves open.
        Assert.All(new[] { first, second }, silo => Assert.Contains(
            "Orleans transport security is off: with redis storage any process that reaches a silo port (or Redis) can join the cluster and call grains",
            silo.Output, StringComparison.Ordinal));

        // A client that finds the gateways through Redis asks each silo for its statistics: both answer.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis.ConnectionString)
            .Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (ServiceId, ServiceId)));
        using var clientHost = builder.Build();
        await clientHost.StartAsync();
        var management = clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        var statistics = await management.GetRuntimeStatistics([.. hosts.Keys]);
        Assert.Equal(2, statistics.Length);
        await clientHost.StopAsync();
    }
}
