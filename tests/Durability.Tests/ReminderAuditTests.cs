using CertFleet.Grains.Tests;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;
using CertFleet.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace CertFleet.Durability.Tests;

/// <summary>
/// Every grain that registers a reminder (Certificate, Order, Challenge, Issuer) unregisters it when the bridge reports
/// its Kubernetes object deleted, so the Redis reminder table holds nothing for objects that are gone; and the keys
/// of the longest names Kubernetes allows (a 63-character cluster name and namespace, a 253-character object name)
/// are stored, read back by a new silo and removed like any other.
/// </summary>
public sealed class ReminderAuditTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryReminder_IsUnregistered_WhenItsObjectIsDeleted(bool longestNames)
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = TestSilo.RedisSettings(redis, "audit");
        var cluster = new FakeCluster();
        var ns = longestNames ? new string('n', 63) : "ns";
        ObjectKey Key(string name) => new(longestNames ? new string('c', 63) : "c", ns, name);
        var certificate = Key(longestNames ? new string('a', 253) : "site");
        var order = Key(longestNames ? new string('o', 253) : "site-1-1234567890");
        var challenge = Key(longestNames ? new string('h', 253) : "site-1-1234567890-987654");
        var issuer = Key(longestNames ? new string('i', 253) : "ca");
        GrainId[] expected =
        [
            GrainId.Create("certificate", certificate.ToGrainKey()),
            GrainId.Create("order", order.ToGrainKey()),
            GrainId.Create("challenge", challenge.ToGrainKey()),
            GrainId.Create("issuer", issuer.ToGrainKey()),
        ];

        await using (var silo = await TestSilo.StartAsync(settings, cluster))
        {
            // Each grain as the bridge or its parent starts it: every one registers its reminder.
            await silo.Grains.GetGrain<ICertificateGrain>(certificate.ToGrainKey()).SyncAsync(TestObjects.CertificateOfMissingIssuer(certificate));
            await silo.Grains.GetGrain<IOrderGrain>(order.ToGrainKey()).StartAsync(TestObjects.OrderWork(certificate));
            await silo.Grains.GetGrain<IChallengeGrain>(challenge.ToGrainKey()).StartAsync(TestObjects.ChallengeWork(challenge, order));
            await silo.Grains.GetGrain<IIssuerGrain>(issuer.ToGrainKey()).SyncAsync(TestObjects.CaIssuerWithMissingSecret(ns, issuer.Name));
            await Poll.UntilAsync(async () => (await ReminderGrainsAsync(redis)).Count == expected.Length,
                "a reminder for each of the four grains", TimeSpan.FromSeconds(30));
        }

        // A new silo reads every key back, longest names included, before the objects go.
        await using (var silo = await TestSilo.StartAsync(settings, cluster))
        {
            Assert.Equal(expected.Select(g => g.ToString()).Order(), (await ReminderGrainsAsync(redis)).Order());
            var table = silo.Services.GetRequiredService<IReminderTable>();
            foreach (var grain in expected)
                Assert.Single((await table.ReadRows(grain)).Reminders);
            Assert.NotNull(await RedisKeys.StateAsync(redis, "audit", expected[1].ToString(), "order"));

            await silo.Grains.GetGrain<ICertificateGrain>(certificate.ToGrainKey()).DeletedAsync(TestObjects.CertificateOfMissingIssuer(certificate).Metadata.Uid!);
            await silo.Grains.GetGrain<IOrderGrain>(order.ToGrainKey()).DeletedAsync();
            await silo.Grains.GetGrain<IChallengeGrain>(challenge.ToGrainKey()).DeletedAsync([]);
            await silo.Grains.GetGrain<IIssuerGrain>(issuer.ToGrainKey()).DeletedAsync();

            Assert.Empty(await ReminderGrainsAsync(redis));
            // Their state goes too, not just their reminders.
            var stateKeys = await redis.KeysAsync("audit/state/*");
            Assert.DoesNotContain(stateKeys, key => expected.Any(grain => key.StartsWith($"audit/state/{grain}/", StringComparison.Ordinal)));
        }
    }

    /// <summary>The GrainIds the Redis reminder table holds reminders for.</summary>
    private static async Task<List<string>> ReminderGrainsAsync(RedisServer redis) =>
        [.. (await RedisKeys.RemindersAsync(redis, "audit")).Select(row => row[1]!.GetValue<string>())];
}
