using System.Diagnostics;
using System.Globalization;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// Outages of what the silos depend on, each on a stack of its own (emulator, Redis, Pebble, two silos), both at once:
/// they mostly wait, so together they take one collection's slot for the longer one's time. Outages are no failures:
/// nothing may count as a failed issuance, no Order may fail, and every Certificate ends Ready from one order. 20
/// Certificates on each stack: enough for Orders at every step when the fault begins (after the fifth newOrder), few
/// enough that each run is its outage and the recovery after it.
/// </summary>
[Collection(OutageCollection.Name)]
public sealed class OutageTests(OutageStacks stacks, ITestOutputHelper output)
{
    [Fact]
    public async Task ApiServerUnreachableThreeMinutes_AndRedisDownTwoMinutes_NothingFails_EveryCertificateFromOneOrder()
    {
        var api = new ApiOutage(stacks.Api, output).RunAsync();
        var redis = new RedisOutage(stacks.Redis, output).RunAsync();
        try
        {
            await Task.WhenAll(api, redis);
        }
        catch when (api.IsFaulted && redis.IsFaulted)
        {
            throw new AggregateException(api.Exception!.InnerExceptions.Concat(redis.Exception!.InnerExceptions));
        }
    }

    /// <summary>
    /// The Kubernetes API server unreachable for 3 minutes: every connection to it is cut, the Lease cannot be renewed,
    /// writes and reads fail, the leader stops leading.
    /// </summary>
    private sealed class ApiOutage(ApiOutageStack cluster, ITestOutputHelper output) : ClusterFaultSteps(cluster, output)
    {
        private static readonly TimeSpan Outage = TimeSpan.FromMinutes(3);

        public async Task RunAsync()
        {
            var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
            var names = Names("a", 20);
            await ApplyCertificatesAsync(ns, issuer, names);
            await NewOrdersAsync(5);

            var faultsBefore = await Cluster.Emulator.CounterAsync("faultsInjected");
            var cut = await Cluster.Emulator.FaultAsync($$"""{"kind":"unreachable","seconds":{{(int)Outage.TotalSeconds}}}""");
            var clock = Stopwatch.StartNew();
            Output.WriteLine($"API outage: the API server unreachable for {Outage.TotalSeconds:0} s after newOrder #{Cluster.Proxy.Requests(AcmeRequestKind.NewOrder)}; " +
                             $"{cut["watchesAffected"]} watches cut");
            await Task.Delay(Outage);
            var refused = await Cluster.Emulator.CounterAsync("faultsInjected") - faultsBefore;

            var ready = await AllReadyAsync(ns, names, TimeSpan.FromMinutes(6));
            await AssertIssuedOnceWithoutFailureAsync(ns, names);
            Assert.True(refused > 0, "no request met the outage");
            Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"API outage: {refused} requests cut; every Certificate Ready {ready.TotalSeconds:0} s after it ended, {clock.Elapsed.TotalSeconds:0} s after it began"));
        }
    }

    /// <summary>
    /// redis-server (grain state, reminders and membership) killed mid-flight and back from its AOF 2 minutes later:
    /// grain calls that need storage fail meanwhile, the silos stay up and carry on once it answers.
    /// </summary>
    private sealed class RedisOutage(RedisOutageStack cluster, ITestOutputHelper output) : ClusterFaultSteps(cluster, output)
    {
        private static readonly TimeSpan Outage = TimeSpan.FromMinutes(2);

        public async Task RunAsync()
        {
            var (ns, issuer) = await NamespaceWithReadyIssuerAsync();
            var names = Names("d", 20);
            await ApplyCertificatesAsync(ns, issuer, names);
            await NewOrdersAsync(5);

            var clock = Stopwatch.StartNew();
            Output.WriteLine($"Redis outage: redis-server down for {Outage.TotalSeconds:0} s after newOrder #{Cluster.Proxy.Requests(AcmeRequestKind.NewOrder)}");
            await Cluster.Redis.RestartAsync(Outage);

            var ready = await AllReadyAsync(ns, names, TimeSpan.FromMinutes(6));
            await AssertIssuedOnceWithoutFailureAsync(ns, names);
            Assert.All(Cluster.Silos, silo => Assert.True(silo.IsRunning, $"{silo.Identity} exited (log: {silo.LogPath})"));
            Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Redis outage: every Certificate Ready {ready.TotalSeconds:0} s after it ended, {clock.Elapsed.TotalSeconds:0} s after it began"));
        }
    }
}
