using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using CertFleet.Grains.Tests;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;
using StackExchange.Redis;

namespace CertFleet.Durability.Tests;

/// <summary>
/// The silo's storage against a redis-server that speaks TLS only and asks for a password, as managed Redis services
/// do: ssl=true, sslHost and password in the connection string, the private CA in CertFleet:Redis:TrustedCaFile.
/// </summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task GrainStateAndMembership_GoThroughTls_AndSurviveASiloRestart()
    {
        await using var redis = await RedisServer.StartAsync(password: Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), tls: true);
        var settings = TestSilo.RedisSettings(redis, "tls");
        Assert.Contains(",ssl=true,sslHost=redis.certfleet.test,password=", redis.ConnectionString, StringComparison.Ordinal);
        Assert.Empty(settings.Validate(new ValidationContext(settings)));

        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/tls").ClaimAsync("first"));

        Assert.Equal("first", (await RedisKeys.StateAsync(redis, "tls", "secretclaim/c/ns/tls", "secretclaim"))?["Owner"]?.GetValue<string>());
        Assert.NotEmpty(await RedisKeys.MembersAsync(redis, "tls", "tls"));
        await using (var silo = await TestSilo.StartAsync(settings, new FakeCluster()))
            Assert.Equal("first", await silo.Grains.GetGrain<ISecretClaimGrain>("c/ns/tls").ClaimAsync("second"));
    }

    [Fact]
    public async Task WithoutTheTrustedCaOrWithoutSsl_NoConnectionIsMade()
    {
        await using var redis = await RedisServer.StartAsync(password: "not-used-here", tls: true);
        async Task<bool> ConnectsAsync(string connectionString)
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync($"{connectionString},abortConnect=false,connectTimeout=2000");
            await Task.Delay(TimeSpan.FromSeconds(1));
            return connection.IsConnected;
        }
        // The same settings minus the CA: the system roots do not know the throwaway CA.
        Assert.False(await ConnectsAsync(redis.ConnectionString));
        Assert.False(await ConnectsAsync(redis.ConnectionString.Replace(",ssl=true", "", StringComparison.Ordinal)));
        // With the CA trusted it answers.
        Assert.Equal("PONG", (await redis.QueryAsync((_, db) => db.ExecuteAsync("PING"))).ToString());
    }
}
