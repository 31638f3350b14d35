using System.Diagnostics;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.Durability.Tests;

/// <summary>
/// The built certfleet-silo on Redis, probed as the kubelet would: readiness follows Redis and the API server off and
/// on, liveness and the process stay up throughout, and a silo started while Redis is down waits for it.
/// </summary>
public sealed class HealthTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Readiness_FollowsRedisAndTheApiServer_OffAndOn()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        await using var silo = SiloProcess.Start(api.KubeconfigPath, redis, "health-flips");
        await Poll.UntilAsync(silo.IsReadyAsync, "the silo to be ready", TimeSpan.FromSeconds(90));
        await AssertAnswersAsync(silo, "live", 200, "scheduler: Healthy");
        await AssertAnswersAsync(silo, "startup", 200, "startup: Healthy");
        await AssertAnswersAsync(silo, "ready", 200, "storage: Healthy", "cluster-membership: Healthy (Active)", "kubernetes-api: Healthy");

        // Redis killed, back after 25 s on the same port.
        var clock = Stopwatch.StartNew();
        var outage = redis.RestartAsync(TimeSpan.FromSeconds(25));
        await Poll.UntilAsync(async () => !await silo.IsReadyAsync(), "readiness to fail with Redis down", TimeSpan.FromSeconds(20));
        var redisNotReady = clock.Elapsed;
        await AssertAnswersAsync(silo, "ready", 503, "storage: Unhealthy (Redis at 127.0.0.1:");
        await AssertAnswersAsync(silo, "live", 200, "scheduler: Healthy");
        await outage;
        clock.Restart();
        await Poll.UntilAsync(silo.IsReadyAsync, "readiness to return with Redis", TimeSpan.FromSeconds(60));
        var redisReady = clock.Elapsed;

        // The API server drops every request, then answers again.
        clock.Restart();
        api.Faults.MakeUnreachable(TimeSpan.FromMinutes(10));
        await Poll.UntilAsync(async () => !await silo.IsReadyAsync(), "readiness to fail with the API server unreachable", TimeSpan.FromSeconds(40));
        var apiNotReady = clock.Elapsed;
        await AssertAnswersAsync(silo, "ready", 503, "kubernetes-api: Unhealthy (local: no answer for");
        await AssertAnswersAsync(silo, "live", 200, "scheduler: Healthy");
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(await silo.IsReadyAsync(), "ready while the API server is still unreachable");
        api.Faults.MakeUnreachable(TimeSpan.Zero);
        clock.Restart();
        await Poll.UntilAsync(silo.IsReadyAsync, "readiness to return with the API server", TimeSpan.FromSeconds(60));
        var apiReady = clock.Elapsed;

        Assert.False(silo.HasExited);
        output.WriteLine($"Redis down: not ready after {redisNotReady.TotalSeconds:0.0} s; Redis back: ready after {redisReady.TotalSeconds:0.0} s");
        output.WriteLine($"API server unreachable: not ready after {apiNotReady.TotalSeconds:0.0} s; reachable again: ready after {apiReady.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task ASiloStartedWithRedisDown_WaitsNotReadyWithOneLogLine_AndStartsWhenRedisAnswers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());
        // Redis killed now, back on the same port after 30 s; the silo starts meanwhile.
        var outage = redis.RestartAsync(TimeSpan.FromSeconds(30));
        await using var silo = SiloProcess.Start(api.KubeconfigPath, redis, "health-redis-at-start");

        await Poll.UntilAsync(async () => (await silo.HealthAsync("ready")).Status == 503, "/health/ready to answer 503", TimeSpan.FromSeconds(25));
        await AssertAnswersAsync(silo, "ready", 503, $"storage: Unhealthy (Redis at 127.0.0.1:{redis.Port}", "cluster-membership: Unhealthy (silo WaitingForStorage)");
        await AssertAnswersAsync(silo, "startup", 200, "startup: Healthy (silo WaitingForStorage)");
        await AssertAnswersAsync(silo, "live", 200, "scheduler: Healthy (silo WaitingForStorage)");
        await Task.Delay(TimeSpan.FromSeconds(8)); // a few retries
        var whileWaiting = silo.Output;
        Assert.False(silo.HasExited);
        await outage;

        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(silo.IsReadyAsync, "the silo to be ready once Redis answers", TimeSpan.FromSeconds(90));
        var waiting = Regex.Matches(silo.Output, "Waiting for Redis at (.*) before starting the silo: ([^\n]*)");
        var line = Assert.Single(waiting);
        Assert.Equal($"127.0.0.1:{redis.Port}", line.Groups[1].Value);
        Assert.Contains("Check CertFleet__Redis__ConnectionString", line.Value);
        // No stack trace while waiting: one line, not a flood.
        Assert.DoesNotContain("   at ", whileWaiting);
        Assert.Contains("answers after", silo.Output);
        output.WriteLine($"waiting line: {line.Value}");
        output.WriteLine($"ready {clock.Elapsed.TotalSeconds:0.0} s after Redis came back, without a restart");
    }

    private static async Task AssertAnswersAsync(SiloProcess silo, string probe, int status, params string[] lines)
    {
        var (actual, body) = await silo.HealthAsync(probe);
        Assert.True(actual == status, $"/health/{probe} answered {actual}, not {status}:\n{body}");
        foreach (var line in lines)
            Assert.Contains(line, body);
    }
}
