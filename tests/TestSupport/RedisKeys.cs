using System.Text.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace CertFleet.TestSupport;

/// <summary>Reads what the Orleans Redis providers wrote, by their documented key layout.</summary>
public static class RedisKeys
{
    /// <summary>Orleans' SiloStatus.Active as the clustering provider stores it.</summary>
    public const int ActiveStatus = 3;

    /// <summary>One row of the membership hash <c>{ServiceId}/members/{ClusterId}</c>.</summary>
    public sealed record Member(string Address, int Status, int ProxyPort, int SuspectCount);

    public static async Task<IReadOnlyList<Member>> MembersAsync(RedisServer redis, string serviceId, string clusterId)
    {
        var fields = await redis.QueryAsync((_, db) => db.HashGetAllAsync($"{serviceId}/members/{clusterId}"));
        return fields.Where(f => f.Name != "Version").Select(f =>
        {
            var row = JsonNode.Parse(f.Value.ToString())!;
            return new Member(row["SiloAddress"]!["SiloAddress"]!.GetValue<string>(), row["Status"]!.GetValue<int>(),
                row["ProxyPort"]!.GetValue<int>(), row["SuspectTimes"]!.AsArray().Count);
        }).ToList();
    }

    /// <summary>The JSON a grain's state is stored as (hash field "data" of <c>{ServiceId}/state/{grainId}/{stateName}</c>).</summary>
    public static async Task<JsonObject?> StateAsync(RedisServer redis, string serviceId, string grainId, string stateName)
    {
        var data = await redis.QueryAsync((_, db) => db.HashGetAsync($"{serviceId}/state/{grainId}/{stateName}", "data"));
        return data.IsNull ? null : JsonNode.Parse(data.ToString())!.AsObject();
    }

    /// <summary>Every grain state of a service: Redis key → the stored JSON (hash field "data").</summary>
    public static async Task<Dictionary<string, string>> AllStatesAsync(RedisServer redis, string serviceId)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in await redis.KeysAsync($"{serviceId}/state/*"))
        {
            var data = await redis.QueryAsync((_, db) => db.HashGetAsync(key, "data"));
            if (!data.IsNull)
                states[key] = data.ToString();
        }
        return states;
    }

    /// <summary>Reminder rows as stored in the sorted set <c>{ServiceId}/reminders</c>: a JSON array per reminder.</summary>
    public static async Task<IReadOnlyList<JsonArray>> RemindersAsync(RedisServer redis, string serviceId)
    {
        var rows = await redis.QueryAsync((_, db) => db.SortedSetRangeByRankAsync($"{serviceId}/reminders"));
        return rows.Select(row => JsonSerializer.Deserialize<JsonArray>($"[{row}]")!).ToList();
    }

    /// <summary>
    /// Every key in the server with everything stored under it, read by type (strings, hashes, sets, sorted sets with
    /// scores, lists): one "key (type): value…" line per key, bytes as Latin-1 so any byte sequence is kept as is.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DumpAsync(RedisServer redis) =>
        await redis.QueryAsync(async (server, db) =>
        {
            static string Text(RedisValue value) => value.IsNull ? "" : System.Text.Encoding.Latin1.GetString((byte[])value!);
            var lines = new List<string>();
            await foreach (var key in server.KeysAsync(pattern: "*"))
            {
                var type = await db.KeyTypeAsync(key);
                IEnumerable<string> values = type switch
                {
                    RedisType.String => [Text(await db.StringGetAsync(key))],
                    RedisType.Hash => (await db.HashGetAllAsync(key)).SelectMany(e => new[] { Text(e.Name), Text(e.Value) }),
                    RedisType.Set => (await db.SetMembersAsync(key)).Select(Text),
                    RedisType.SortedSet => (await db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{Text(e.Element)} {e.Score}"),
                    RedisType.List => (await db.ListRangeAsync(key)).Select(Text),
                    _ => throw new InvalidOperationException($"key {key} has type {type}, which this dump does not read"),
                };
                lines.Add($"{System.Text.Encoding.Latin1.GetString((byte[])key!)} ({type}): {string.Join(" | ", values)}");
            }
            return lines;
        });
}
