using CertFleet.Kubernetes.Bridge;

namespace CertFleet.Bridge.Tests.Connection;

/// <summary>The bound on requests in flight: never exceeded, handed on when given back, not lost to a cancelled waiter.</summary>
public sealed class RequestSlotsTests
{
    [Fact]
    public async Task Many_concurrent_requests_never_hold_more_slots_than_there_are()
    {
        var slots = new RequestSlots(3);
        var inFlight = 0;
        var most = 0;

        await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => Task.Run(async () =>
        {
            await slots.WaitAsync(CancellationToken.None);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref inFlight);
            slots.Release();
        })));

        Assert.InRange(most, 1, 3);
        Assert.Equal(3, slots.Free);
    }

    [Fact]
    public async Task A_waiter_gets_the_slot_given_back()
    {
        var slots = new RequestSlots(1);
        await slots.WaitAsync(CancellationToken.None);

        var waiting = slots.WaitAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        slots.Release();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, slots.Free);
    }

    [Fact]
    public async Task A_cancelled_waiter_fails_and_takes_no_slot()
    {
        var slots = new RequestSlots(1);
        await slots.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = slots.WaitAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        slots.Release();
        Assert.Equal(1, slots.Free);
        Assert.True(slots.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                return;
    }
}
