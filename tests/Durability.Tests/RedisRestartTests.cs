using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CertFleet.Durability.Tests;

/// <summary>
/// redis-server dies and comes back on the same port while a silo runs. This Redis has AOF with appendfsync always (the
/// other tests run Redis without persistence), so every acknowledged write is on disk: nothing written may be lost.
/// </summary>
public sealed class RedisRestartTests
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RedisRestartMidway_LosesNothingThatWasWritten()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        var settings = TestSilo.RedisSettings(redis, "restart");
        const string issuerKey = "c/ns/ca";
        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/before").ClaimAsync("first");
            await silo.Grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey).PresentAsync("token", "token.thumbprint", "token.example");
            await silo.Grains.GetGrain<IIssuerGrain>(issuerKey).SyncAsync(TestObjects.CaIssuerWithMissingSecret("ns", "ca"));

            var keysBefore = await redis.KeysAsync("*");
            var membersBefore = await RedisKeys.MembersAsync(redis, "restart", "restart");
            await redis.RestartAsync();
            Assert.Equal(keysBefore, await redis.KeysAsync("*"));
            Assert.Equal(membersBefore.Select(m => m.Address), (await RedisKeys.MembersAsync(redis, "restart", "restart")).Select(m => m.Address));

            // The running silo reconnects and keeps writing.
            await Poll.SucceedsAsync(() => silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/after").ClaimAsync("first"),
                "a claim after the Redis restart", Reconnect);
        }

        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/before").ClaimAsync("second"));
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/after").ClaimAsync("second"));
            Assert.Equal("token.thumbprint",
                (await silo.Grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey).GetAllAsync()).Tokens["token"].KeyAuthorization);
            var rows = await silo.Services.GetRequiredService<IReminderTable>().ReadRows(TestObjects.IssuerGrainId(issuerKey));
            Assert.Equal("recheck", Assert.Single(rows.Reminders).ReminderName);
        }
    }
}
