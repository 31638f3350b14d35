using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Reminders;
using Orleans.Hosting;
using Orleans.TestingHost;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests;

/// <summary>One in-process silo with in-memory storage, the fake cluster behind the ports, and a fake clock.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public FakeCluster Cluster { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    public InProcessTestCluster TestCluster { get; private set; } = null!;
    public IGrainFactory Grains => TestCluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("certfleet").UseInMemoryReminderService();
            silo.Services.AddSingleton<IClusterWriter>(Cluster);
            silo.Services.AddSingleton<IClusterReader>(Cluster);
            silo.Services.AddSingleton<TimeProvider>(Clock);
            silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock);
            silo.Services.PostConfigure<ReminderOptions>(o =>
            {
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
                o.ReminderLoadingWindow = TimeSpan.FromSeconds(1);
            });
            silo.Services.Configure<IssuanceOptions>(o => o.ClusterResourceNamespace = "cert-manager");
        });
        TestCluster = builder.Build();
        await TestCluster.DeployAsync();
    }

    public async Task DisposeAsync() => await TestCluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "silo";
}
