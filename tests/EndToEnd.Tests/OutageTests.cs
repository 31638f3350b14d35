using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The Kubernetes API server unreachable for 3 minutes while two silos issue: every connection to it is cut, the
/// Lease cannot be renewed, writes and reads fail. Outages are no failures: nothing may count as a failed issuance,
/// no Order may fail, and every Certificate ends Ready from one order. 20 Certificates: enough for Orders at every step
/// when the API goes (the outage begins after the fifth newOrder), few enough that the run is the outage's length and
/// the recovery after it. Runs beside the Redis outage (its own collection and stack), which mostly waits as well.
/// </summary>
[Collection(ApiOutageCollection.Name)]
public sealed class ApiOutageTests(ApiOutageFixture cluster, ITestOutputHelper output) : ClusterFaultSteps(cluster, output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task ApiServerUnreachableForThreeMinutes_NoOrderFails_AndEveryCertificateIssuesFromOneOrder()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var names = Names("a", 20);
        await ApplyCertificatesAsync(ns, issuer, names);
        await NewOrdersAsync(5);

        var faultsBefore = await Cluster.Emulator.CounterAsync("faultsInjected");
        var cut = await Cluster.Emulator.FaultAsync($$"""{"kind":"unreachable","seconds":{{(int)Outage.TotalSeconds}}}""");
        var clock = Stopwatch.StartNew();
        Output.WriteLine($"API server unreachable for {Outage.TotalSeconds:0} s after newOrder #{Cluster.Proxy.Requests(CertFleet.TestSupport.AcmeRequestKind.NewOrder)}; " +
                         $"{cut["watchesAffected"]} watches cut");
        await Task.Delay(Outage);
        var refused = await Cluster.Emulator.CounterAsync("faultsInjected") - faultsBefore;

        var ready = await AllReadyAsync(ns, names, TimeSpan.FromMinutes(6));
        await AssertIssuedOnceWithoutFailureAsync(ns, names);
        Assert.True(refused > 0, "no request met the outage");
        Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"API outage {Outage.TotalSeconds:0} s ({refused} requests cut): every Certificate Ready {ready.TotalSeconds:0} s after it ended, {clock.Elapsed.TotalSeconds:0} s after it began"));
    }
}

/// <summary>
/// redis-server (grain state, reminders and membership of two silos) killed mid-flight and back from its AOF 2 minutes
/// later: grain calls that need storage fail meanwhile, the silos stay up and carry on once it answers; nothing is lost
/// or ordered twice. 20 Certificates, as for the API outage, beside which it runs.
/// </summary>
[Collection(RedisOutageCollection.Name)]
public sealed class RedisOutageTests(RedisOutageFixture cluster, ITestOutputHelper output) : ClusterFaultSteps(cluster, output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task RedisDownForTwoMinutesMidFlight_BothSilosCarryOn_AndEveryCertificateIssuesFromOneOrder()
    {
        var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
        var names = Names("d", 20);
        await ApplyCertificatesAsync(ns, issuer, names);
        await NewOrdersAsync(5);

        var clock = Stopwatch.StartNew();
        Output.WriteLine($"redis-server down for {Outage.TotalSeconds:0} s after newOrder #{Cluster.Proxy.Requests(CertFleet.TestSupport.AcmeRequestKind.NewOrder)}");
        await Cluster.Redis.RestartAsync(Outage);

        var ready = await AllReadyAsync(ns, names, TimeSpan.FromMinutes(6));
        await AssertIssuedOnceWithoutFailureAsync(ns, names);
        Assert.All(Cluster.Silos, silo => Assert.True(silo.IsRunning, $"{silo.Identity} exited (log: {silo.LogPath})"));
        Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Redis outage {Outage.TotalSeconds:0} s: every Certificate Ready {ready.TotalSeconds:0} s after it ended, {clock.Elapsed.TotalSeconds:0} s after it began"));
    }
}
