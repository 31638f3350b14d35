using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CertFleet.Durability.Tests;

/// <summary>State and reminders written through the Redis providers outlive the silo that wrote them.</summary>
public sealed class GrainStateTests
{
    [Fact]
    public async Task GrainState_SurvivesASiloStopAndStart()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = TestSilo.RedisSettings(redis, "state");
        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/tls").ClaimAsync("first"));
            var tokens = silo.Grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey);
            await tokens.PresentAsync("token-kept", "token-kept.thumbprint", "kept.example");
            await tokens.PresentAsync("token-cleaned", "token-cleaned.thumbprint", "cleaned.example");
            await tokens.RemoveAsync("token-cleaned");
        }

        // Plain JSON: property names, no CLR type names.
        var stored = await RedisKeys.StateAsync(redis, "state", "secretclaim/c/ns/tls", "secretclaim");
        Assert.NotNull(stored);
        Assert.Equal("first", stored["Owner"]?.GetValue<string>());
        Assert.DoesNotContain("$type", stored.ToJsonString(), StringComparison.Ordinal);

        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            // The claim is read back: the second Certificate waits behind the first.
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/tls").ClaimAsync("second"));
            var tokens = (await silo.Grains.GetGrain<IHttp01TokenDirectoryGrain>(IHttp01TokenDirectoryGrain.SingletonKey).GetAllAsync()).Tokens;
            Assert.Equal(new Http01Token("token-kept.thumbprint", "kept.example"), tokens.GetValueOrDefault("token-kept"));
            Assert.False(tokens.ContainsKey("token-cleaned"));
        }
    }

    [Fact]
    public async Task Reminder_IsStoredInRedis_AndStillListedAfterASiloStopAndStart()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = TestSilo.RedisSettings(redis, "reminders");
        const string issuerKey = "c/ns/ca";
        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            await silo.Grains.GetGrain<IIssuerGrain>(issuerKey).SyncAsync(TestObjects.CaIssuerWithMissingSecret("ns", "ca"));
            var rows = await silo.Services.GetRequiredService<IReminderTable>().ReadRows(TestObjects.IssuerGrainId(issuerKey));
            var recheck = Assert.Single(rows.Reminders);
            Assert.Equal(("recheck", TimeSpan.FromMinutes(1)), (recheck.ReminderName, recheck.Period));
        }

        var stored = Assert.Single(await RedisKeys.RemindersAsync(redis, "reminders"));
        Assert.Equal(["issuer/" + issuerKey, "recheck"], stored.Skip(1).Take(2).Select(v => v!.GetValue<string>()));

        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
        {
            var rows = await silo.Services.GetRequiredService<IReminderTable>().ReadRows(TestObjects.IssuerGrainId(issuerKey));
            var recheck = Assert.Single(rows.Reminders);
            Assert.Equal(("recheck", TimeSpan.FromMinutes(1)), (recheck.ReminderName, recheck.Period));
        }
    }
}
