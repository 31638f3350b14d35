using CertFleet.Grains.Acme;
using CertFleet.Grains.RateLimits;
using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Dns01;
using CertFleet.Providers.Http01;
using CertFleet.Providers.RateLimits;
using CertFleet.Silo;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CertFleet.Durability.Tests;

/// <summary>
/// One silo in this process, configured by the Silo's own <see cref="SiloStorage.Configure"/>: real TCP endpoints on
/// loopback and whatever storage the settings choose. The Kubernetes ports are a <see cref="FakeCluster"/>.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Redis settings for one test: its own service and cluster id, so tests never see each other's keys.</summary>
    public static CertFleetOptions RedisSettings(RedisServer redis, string serviceId) => new()
    {
        Storage = "redis",
        Redis = { ConnectionString = redis.ConnectionString, TrustedCaFile = redis.TrustedCaFile },
        Orleans = { ServiceId = serviceId, ClusterId = serviceId },
    };

    /// <summary>
    /// Builds the silo's host without starting it, to look at what its configuration registered;
    /// <paramref name="configure"/> adds to (or replaces) what the settings chose.
    /// </summary>
    public static IHost Build(CertFleetOptions settings, FakeCluster cluster, Action<ISiloBuilder>? configure = null)
    {
        var ports = LoopbackPorts.Allocate(2);
        settings.Orleans.SiloPort = ports[0];
        // A gateway only where the test asks for one, as in production; on a free port.
        if (settings.Orleans.GatewayPort is not null)
            settings.Orleans.GatewayPort = ports[1];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo =>
        {
            SiloStorage.Configure(silo, settings);
            silo.Services.AddSingleton<IClusterWriter>(cluster);
            silo.Services.AddSingleton<IClusterReader>(cluster);
            silo.Services.AddSingleton<IClusterMembership>(cluster);
            // What the ACME grains need, as the Silo registers it; nothing here reaches a CA or DNS in these tests.
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(new AcmeClients(cluster, TimeProvider.System));
            silo.Services.AddSingleton<Dns01Providers>();
            silo.Services.AddSingleton<CertFleet.Grains.Issuance.VaultConnections>();
            silo.Services.AddSingleton<IHttp01SelfCheck>(new Http01SelfCheck(new Http01SelfCheckOptions { Timeout = TimeSpan.FromSeconds(2) }));
            silo.Services.AddSingleton(new Dns01PropagationCheck(TimeSpan.FromSeconds(2)));
            silo.Services.AddSingleton(new CertFleet.Providers.Caa.CaaLookup([], TimeSpan.FromSeconds(2)));
            silo.Services.AddSingleton<CertFleet.Providers.Acme.AccountOrderListings>();
            silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new RateLimitOptions()));
            silo.Services.AddSingleton(PublicSuffixList.Load(PublicSuffixList.DebianPath));
            silo.Services.AddSingleton<RateLimitBudgets>();
            silo.Services.AddSingleton<CertFleet.Grains.Certificates.CertificatePassSlots>();
            configure?.Invoke(silo);
        });
        return builder.Build();
    }

    /// <summary>Starts a silo on fresh ports.</summary>
    public static async Task<TestSilo> StartAsync(CertFleetOptions settings, FakeCluster cluster, Action<ISiloBuilder>? configure = null)
    {
        var host = Build(settings, cluster, configure);
        await host.StartAsync();
        return new TestSilo(host);
    }

    /// <summary>Stops the silo as a rolling update would: it leaves the cluster and its activations are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
