using CertFleet.Interfaces.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Reminders;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace CertFleet.Grains.Tests;

/// <summary>One in-process silo with in-memory storage, the fake cluster behind the ports, and a fake clock.</summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>cert-manager's built-in approver; off, CertificateRequests wait for an approval the test gives.</summary>
    protected virtual bool AutoApprove => true;

    /// <summary>An external issuer's group whose TestIssuers the approver is configured to approve.</summary>
    public const string ApprovedExternalGroup = "approved.example.test";

    public FakeCluster Cluster { get; } = new();

    /// <summary>The grains' storage ("certfleet"): in memory, and able to lose the answer to a write.</summary>
    public LostAnswerStorage Storage { get; } = new();
    public LogCapture Logs { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    public InProcessTestCluster TestCluster { get; private set; } = null!;
    public IGrainFactory Grains => TestCluster.Client;
    /// <summary>Per-server limits; tests add entries for their own fake ACME server.</summary>
    public Microsoft.Extensions.Options.IOptions<RateLimits.RateLimitOptions> RateLimits { get; } =
        Microsoft.Extensions.Options.Options.Create(new RateLimits.RateLimitOptions());

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("memory").UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>("certfleet",
                (services, _) => Storage.Over(services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>("memory")));
            silo.AddIncomingGrainCallFilter<Logging.GrainLogScopeFilter>();
            silo.Services.AddLogging(logging => logging.AddProvider(Logs));
            silo.Services.AddSingleton<IClusterWriter>(Cluster);
            silo.Services.AddSingleton<IClusterReader>(Cluster);
            silo.Services.AddSingleton<IFleetMembers>(Cluster);
            silo.Services.AddSingleton<IClusterMembership>(Cluster);
            silo.Services.AddSingleton(new Acme.AcmeClients(Cluster, TimeProvider.System));
            // Challenges: DNS-01 providers read credentials through the fake cluster; no test reaches a real DNS or HTTP-01 target.
            silo.Services.AddSingleton<Acme.Dns01Providers>();
            silo.Services.AddSingleton<Issuance.VaultConnections>();
            silo.Services.AddSingleton<CertFleet.Providers.Http01.IHttp01SelfCheck>(new CertFleet.Providers.Http01.Http01SelfCheck(new()));
            silo.Services.AddSingleton(new CertFleet.Providers.Dns01.Dns01PropagationCheck(TimeSpan.FromSeconds(5)));
            silo.Services.AddSingleton(new CertFleet.Providers.Caa.CaaLookup([], TimeSpan.FromSeconds(5)));
            silo.Services.AddSingleton<CertFleet.Providers.Acme.AccountOrderListings>();
            // Only grain time and reminder time are fake; membership and other background loops keep real time.
            silo.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, Clock);
            silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock);
            silo.Services.PostConfigure<ReminderOptions>(o =>
            {
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
                // Reminders due within the window are armed on the (fake) reminder clock when registered; a tick found
                // in the past when loaded later is a missed tick, which Orleans does not replay.
                o.ReminderLoadingWindow = TimeSpan.FromDays(7);
            });
            silo.Services.Configure<IssuanceOptions>(o =>
            {
                o.ClusterResourceNamespace = "cert-manager";
                o.HomeCluster = TestObjects.Cluster;
                o.AutoApprove = AutoApprove;
                o.ApproverSignerNames = [.. Issuance.SignerNames.CertManagerDefaults, $"testissuers.{ApprovedExternalGroup}/*"];
                o.CaaPreflight = false; // the fake ACME server's names are not in DNS
            });
            silo.Services.AddSingleton(RateLimits);
            silo.Services.AddSingleton(Providers.RateLimits.PublicSuffixList.Load(Providers.RateLimits.PublicSuffixList.DebianPath));
            silo.Services.AddSingleton<RateLimits.RateLimitBudgets>();
            silo.Services.AddSingleton<CertFleet.Grains.Certificates.CertificatePassSlots>();
            ConfigureSilo(silo);
        });
        TestCluster = builder.Build();
        await TestCluster.DeployAsync();
    }

    public async Task DisposeAsync() => await TestCluster.DisposeAsync();

    /// <summary>What a derived fixture's silo has beside the common services.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    /// <summary>
    /// Grain timers and reminders run on the fake clock: let fake time pass (a quarter second per 20 ms) while waiting
    /// for <paramref name="wait"/>, e.g. for an issuance whose order is polled. Minutes of fake time at most.
    /// </summary>
    public async Task<T> WhileTimePasses<T>(Func<Task<T>> wait)
    {
        using var stop = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Clock.Advance(TimeSpan.FromMilliseconds(250));
                await Task.Delay(20);
            }
        });
        try
        {
            return await wait();
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "silo";
}

/// <summary>A silo whose CertificateRequests stay pending until approved, as an ACME order stays pending until the CA answers.</summary>
public sealed class ManualApprovalClusterFixture : ClusterFixture
{
    protected override bool AutoApprove => false;
}

[CollectionDefinition(Name)]
public sealed class ManualApprovalCollection : ICollectionFixture<ManualApprovalClusterFixture>
{
    public const string Name = "silo-manual-approval";
}
