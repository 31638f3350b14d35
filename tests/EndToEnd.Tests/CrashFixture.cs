using System.Globalization;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The production storage under the end-to-end stack: the silo keeps grain state, reminders and membership in a real
/// redis-server (AOF, every write fsynced), and talks to Pebble only through an <see cref="AcmeCountingProxy"/>,
/// which counts the orders Pebble creates and can hold an answer back while the test kills the silo. The silo keeps
/// its Orleans ports across restarts, as a pod restarted in place does, so a new incarnation supersedes the killed one.
/// </summary>
public sealed class CrashFixture : PebbleControllerFixture
{
    public const string ServiceId = "crash";

    private readonly int _siloPort = Processes.FreePort();
    private readonly int _gatewayPort = Processes.FreePort();

    public RedisServer Redis { get; private set; } = null!;

    public AcmeCountingProxy Proxy { get; private set; } = null!;

    /// <summary>
    /// Challenges pass without Pebble fetching them (still asynchronously, after the accept). With a single silo, a kill
    /// while the CA validates would leave nobody answering and fail the authorization: an outage ACME cannot tell from
    /// a wrong answer (several replicas all answer HTTP-01), not a lost step, and not what these tests are about.
    /// </summary>
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
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Storage"] = "redis",
        ["CertFleet__Redis__ConnectionString"] = Redis.ConnectionString,
        ["CertFleet__Orleans__ServiceId"] = ServiceId,
        ["CertFleet__Orleans__ClusterId"] = ServiceId,
        ["CertFleet__Orleans__SiloPort"] = _siloPort.ToString(CultureInfo.InvariantCulture),
        ["CertFleet__Orleans__GatewayPort"] = _gatewayPort.ToString(CultureInfo.InvariantCulture),
    };

    protected override async ValueTask DisposeExtrasAsync()
    {
        if (Proxy is not null)
            await Proxy.DisposeAsync();
        await base.DisposeExtrasAsync();
        if (Redis is not null)
            await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CrashCollection : ICollectionFixture<CrashFixture>
{
    public const string Name = "crash";
}
