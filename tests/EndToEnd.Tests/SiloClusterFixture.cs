using System.Diagnostics;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Several silo processes sharing one Redis (AOF) against the emulator, as replicas of the chart do: one of them leads
/// (Lease <c>certfleet-controller</c>) and runs the watches, all of them run grains. Pebble sits behind an
/// <see cref="AcmeCountingProxy"/>, which counts the orders it creates. The silos' HTTP-01 responders sit behind one
/// <see cref="TcpFront"/> port (a Service over the pods) that every silo's self-check goes to. Challenges pass without
/// Pebble fetching them: a silo killed while the CA validates would fail that authorization, which is an outage ACME
/// cannot tell from a wrong answer, not a lost step (see <see cref="CrashFixture"/>).
/// </summary>
public abstract class SiloClusterFixture : PebbleControllerFixture
{
    public const string LeaseName = "certfleet-controller";

    private readonly List<ClusterSilo> _silos = [];
    private TcpFront? _front;

    /// <summary>How many silos the cluster has.</summary>
    protected abstract int SiloCount { get; }

    /// <summary>The Orleans service and cluster id, and the Redis key prefix.</summary>
    protected abstract string ServiceId { get; }

    public RedisServer Redis { get; private set; } = null!;

    public AcmeCountingProxy Proxy { get; private set; } = null!;

    public EmulatorAdmin Emulator { get; private set; } = null!;

    public IReadOnlyList<ClusterSilo> Silos => _silos;

    /// <summary>
    /// Watches the leader's reflectors keep open (counted once the cluster settled). Every running silo also keeps one
    /// watch of its own on the cluster Secrets that register fleet members, which <see cref="WatchesExpected"/> adds.
    /// </summary>
    public long WatchesWhenLeading { get; private set; }

    /// <summary>The watches the emulator has open when a leader runs all of its reflectors, with the silos running now.</summary>
    public long WatchesExpected => WatchesWhenLeading + _silos.Count(s => s.IsRunning);

    /// <summary>The silos' leader-election timing (the defaults, written out so the printed figures name them).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    protected override PebbleOptions Options => new()
    {
        HttpChallengePort = SolverPort,
        AlwaysValid = true,
        AuthorizationReusePercent = 0,
        // Every newOrder request then creates an order: requests and orders can be compared one to one.
        NonceRejectPercent = 0,
    };

    protected override (Uri Server, string CaPem) AcmeEndpoint => (Proxy.DirectoryUrl, Proxy.CaPem);

    protected override async Task BeforeSiloAsync()
    {
        Redis = await RedisServer.StartAsync(appendOnly: true);
        await base.BeforeSiloAsync();
        Proxy = await AcmeCountingProxy.StartAsync(Pebble);
        Emulator = await EmulatorAdmin.ForKubeconfigAsync(Kubeconfig);
    }

    /// <summary>Every silo's settings; each adds its own ports and POD_NAME. The self-check goes to the front port.</summary>
    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Storage"] = "redis",
        ["CertFleet__Redis__ConnectionString"] = Redis.ConnectionString,
        ["CertFleet__Orleans__ServiceId"] = ServiceId,
        ["CertFleet__Orleans__ClusterId"] = ServiceId,
        ["CertFleet__LeaseDuration"] = LeaseDuration.ToString(),
        ["CertFleet__RenewDeadline"] = RenewDeadline.ToString(),
        ["CertFleet__RetryPeriod"] = RetryPeriod.ToString(),
    };

    protected override async Task StartSilosAsync()
    {
        var directory = Path.GetDirectoryName(Kubeconfig)!;
        for (var i = 0; i < SiloCount; i++)
            _silos.Add(new ClusterSilo(i, Kubeconfig, Path.Combine(directory, $"silo-{i}.log"), () => SiloSettings));
        _front = new TcpFront(SolverPort, () => [.. _silos.Select(s => s.SolverPort)]);
        await Task.WhenAll(_silos.Select(s => s.StartAsync(TimeSpan.FromMinutes(3))));

        // Settled: one leader, and the number of watches it keeps open no longer changing.
        await Processes.Eventually(LeaderAsync, leader => _silos.Any(s => s.Identity == leader), "a silo to hold the Lease", 120);
        var stable = Stopwatch.StartNew();
        var last = -1L;
        await Processes.Eventually(async () =>
        {
            var open = await Emulator.CounterAsync("activeWatches");
            if (open != last)
            {
                last = open;
                stable.Restart();
            }
            return open > 0 && stable.Elapsed > TimeSpan.FromSeconds(5);
        }, settled => settled, "the leader's watches to settle", 120);
        WatchesWhenLeading = last - SiloCount;
    }

    /// <summary>The Lease's holder now ("" when released or not yet taken).</summary>
    public async Task<string> LeaderAsync()
    {
        var (code, output, _) = await KubectlAsync("-n", "cert-manager", "get", "lease", LeaseName, "-o", "jsonpath={.spec.holderIdentity}");
        return code == 0 ? output.Trim() : "";
    }

    public ClusterSilo Silo(string identity) => _silos.Single(s => s.Identity == identity);

    /// <summary>Every silo's log, for failure messages.</summary>
    public string Logs => string.Join(", ", _silos.Select(s => s.LogPath));

    protected override async ValueTask DisposeExtrasAsync()
    {
        foreach (var silo in _silos)
            await silo.KillAsync();
        if (_front is not null)
            await _front.DisposeAsync();
        Emulator?.Dispose();
        if (Proxy is not null)
            await Proxy.DisposeAsync();
        await base.DisposeExtrasAsync();
        if (Redis is not null)
            await Redis.DisposeAsync();
    }
}

/// <summary>Three silos: the kill -9 and rolling-restart tests.</summary>
public sealed class ThreeSiloFixture : SiloClusterFixture
{
    protected override int SiloCount => 3;
    protected override string ServiceId => "three-silos";
}

/// <summary>Two silos whose API server goes away for minutes.</summary>
public sealed class ApiOutageStack : SiloClusterFixture
{
    protected override int SiloCount => 2;
    protected override string ServiceId => "api-outage";
}

/// <summary>Two silos whose Redis goes away for minutes.</summary>
public sealed class RedisOutageStack : SiloClusterFixture
{
    protected override int SiloCount => 2;
    protected override string ServiceId => "redis-outage";
}

/// <summary>
/// The two outage stacks, started together. Their tests mostly wait out an outage, so they run at once (one test
/// collection's slot for both) instead of one after the other.
/// </summary>
public sealed class OutageStacks : IAsyncLifetime
{
    public ApiOutageStack Api { get; } = new();

    public RedisOutageStack Redis { get; } = new();

    public Task InitializeAsync() => Task.WhenAll(Api.InitializeAsync(), Redis.InitializeAsync());

    public Task DisposeAsync() => Task.WhenAll(Api.DisposeAsync(), Redis.DisposeAsync());
}

[CollectionDefinition(Name)]
public sealed class ThreeSiloCollection : ICollectionFixture<ThreeSiloFixture>
{
    public const string Name = "three-silos";
}

[CollectionDefinition(Name)]
public sealed class OutageCollection : ICollectionFixture<OutageStacks>
{
    public const string Name = "outages";
}
