using System.Collections.Concurrent;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Dispatch;

public sealed class CoalescingDispatcherTests : IAsyncDisposable
{
    private static readonly ExponentialBackoff FastRetry = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20), jitter: 0.5);

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Key, Item Item)> _delivered = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private Task _running = Task.CompletedTask;

    /// <summary>"D" items are deletions; "fail" items fail on their first delivery.</summary>
    private sealed record Item(string Value)
    {
        public bool IsDeletion => Value.StartsWith('D');
        public override string ToString() => Value;
    }

    private CoalescingDispatcher<string, Item> Start(int maxConcurrency = 8, Func<string, Item, Task>? deliver = null)
    {
        var dispatcher = new CoalescingDispatcher<string, Item>(
            (item, _) => deliver?.Invoke(KeyOf(item), item) ?? Record(KeyOf(item), item),
            item => item.IsDeletion, maxConcurrency, NullLogger.Instance, FastRetry);
        _running = dispatcher.RunAsync(_stop.Token);
        return dispatcher;
    }

    // Items are "<key>:<value>" so the delivery function knows the key.
    private static string KeyOf(Item item) => item.Value.Split(':')[1];

    private static Item Change(string key, int n) => new($"C:{key}:{n}");
    private static Item Deletion(string key, int n) => new($"D:{key}:{n}");

    private async Task Record(string key, Item item)
    {
        _delivered.Enqueue((key, item));
        if (_gates.TryGetValue(item.Value, out var gate))
            await gate.Task;
    }

    private TaskCompletionSource HoldDeliveryOf(Item item) =>
        _gates.GetOrAdd(item.Value, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private string[] DeliveredFor(string key) => _delivered.Where(d => d.Key == key).Select(d => d.Item.Value).ToArray();

    [Fact]
    public async Task Changes_waiting_behind_a_delivery_coalesce_to_the_latest()
    {
        var dispatcher = Start();
        var gate = HoldDeliveryOf(Change("a", 1));
        dispatcher.Enqueue("a", Change("a", 1));
        await Eventually.TrueAsync(() => DeliveredFor("a").Length == 1, "the first change is in flight");

        dispatcher.Enqueue("a", Change("a", 2));
        dispatcher.Enqueue("a", Change("a", 3));
        dispatcher.Enqueue("a", Change("a", 4));
        gate.SetResult();

        await Eventually.TrueAsync(() => dispatcher.ActiveKeys == 0, "the key is idle");
        Assert.Equal(["C:a:1", "C:a:4"], DeliveredFor("a"));
    }

    [Fact]
    public async Task Deletions_are_never_coalesced_away_and_keep_their_order()
    {
        var dispatcher = Start();
        var gate = HoldDeliveryOf(Change("a", 1));
        dispatcher.Enqueue("a", Change("a", 1));
        await Eventually.TrueAsync(() => DeliveredFor("a").Length == 1, "the first change is in flight");

        dispatcher.Enqueue("a", Change("a", 2)); // superseded by the deletion
        dispatcher.Enqueue("a", Deletion("a", 3));
        dispatcher.Enqueue("a", Change("a", 4)); // a re-created object
        dispatcher.Enqueue("a", Deletion("a", 5));
        dispatcher.Enqueue("a", Change("a", 6));
        dispatcher.Enqueue("a", Change("a", 7));
        gate.SetResult();

        await Eventually.TrueAsync(() => dispatcher.ActiveKeys == 0, "the key is idle");
        Assert.Equal(["C:a:1", "D:a:3", "D:a:5", "C:a:7"], DeliveredFor("a"));
    }

    [Fact]
    public async Task At_most_one_delivery_per_key_and_a_bounded_number_overall_are_in_flight()
    {
        const int maxConcurrency = 4;
        var inFlightPerKey = new ConcurrentDictionary<string, int>();
        var inFlight = 0;
        var maxInFlight = 0;
        var overlapsPerKey = 0;
        var dispatcher = Start(maxConcurrency, async (key, item) =>
        {
            if (inFlightPerKey.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                Interlocked.Increment(ref overlapsPerKey);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await Task.Delay(2);
            Interlocked.Decrement(ref inFlight);
            inFlightPerKey.AddOrUpdate(key, 0, (_, n) => n - 1);
            _delivered.Enqueue((key, item));
        });

        var keys = Enumerable.Range(0, 20).Select(i => $"k{i}").ToArray();
        for (var round = 0; round < 20; round++)
            foreach (var key in keys)
                dispatcher.Enqueue(key, Change(key, round));

        await Eventually.TrueAsync(() => dispatcher.ActiveKeys == 0, "all keys are idle");
        Assert.Equal(0, overlapsPerKey);
        Assert.InRange(maxInFlight, 1, maxConcurrency);
        // Whatever was coalesced, every key ends with its latest change, and its deliveries are in order.
        foreach (var key in keys)
        {
            var values = DeliveredFor(key).Select(v => int.Parse(v.Split(':')[2])).ToArray();
            Assert.Equal(19, values[^1]);
            Assert.Equal(values.Order(), values);
        }
    }

    [Fact]
    public async Task A_failed_change_is_retried_unless_a_newer_one_arrived()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatcher = Start(deliver: async (key, item) =>
        {
            var attempt = attempts.AddOrUpdate(item.Value, 1, (_, n) => n + 1);
            _delivered.Enqueue((key, item));
            if (item.Value == "C:b:1")
                await gate.Task;
            if (attempt == 1 && item.Value is "C:a:1" or "C:b:1" or "D:c:1")
                throw new InvalidOperationException("silo shutting down");
        });

        dispatcher.Enqueue("a", Change("a", 1)); // fails once, nothing newer: retried
        dispatcher.Enqueue("b", Change("b", 1)); // fails once after a newer change arrived: the newer one is delivered
        dispatcher.Enqueue("c", Deletion("c", 1)); // a failed deletion is retried before what follows it
        dispatcher.Enqueue("c", Change("c", 2));
        await Eventually.TrueAsync(() => DeliveredFor("b").Length == 1, "b's first change is in flight");
        dispatcher.Enqueue("b", Change("b", 2));
        gate.SetResult();

        await Eventually.TrueAsync(() => dispatcher.ActiveKeys == 0, "all keys are idle");
        Assert.Equal(["C:a:1", "C:a:1"], DeliveredFor("a"));
        Assert.Equal(["C:b:1", "C:b:2"], DeliveredFor("b"));
        Assert.Equal(["D:c:1", "D:c:1", "C:c:2"], DeliveredFor("c"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) &&
               Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _gates.Values)
            gate.TrySetResult();
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
