using System.Collections.Concurrent;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// At most a fixed number of requests in flight. Taking and giving back a free slot is one compare-and-swap, without
/// the lock a <see cref="SemaphoreSlim"/> takes on every wait and release: with every write of the silo going
/// through one connection, that lock's spinning was 8 % of the silo's CPU in the CA phase of <c>make bench</c>.
/// Only a request that finds no free slot waits.
/// </summary>
public sealed class RequestSlots
{
    private readonly ConcurrentQueue<TaskCompletionSource> _waiting = new();
    private int _free;

    public RequestSlots(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _free = count;
    }

    /// <summary>Free slots now (for tests and diagnostics).</summary>
    public int Free => Volatile.Read(ref _free);

    /// <summary>Takes a slot, waiting for one when none is free; <see cref="Release"/> gives it back.</summary>
    public Task WaitAsync(CancellationToken ct)
    {
        if (TryTake())
            return Task.CompletedTask;
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Enqueue(waiter);
        // A slot given back between the failed take and the enqueue found nobody waiting: hand it over now.
        HandOver();
        return ct.CanBeCanceled ? WaitCancellablyAsync(waiter, ct) : waiter.Task;
    }

    // A cancelled waiter is skipped by HandOver; one handed a slot before the cancellation keeps it, and its caller,
    // seeing success, releases it.
    private static async Task WaitCancellablyAsync(TaskCompletionSource waiter, CancellationToken ct)
    {
        using (ct.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter))
            await waiter.Task.ConfigureAwait(false);
    }

    public void Release()
    {
        Interlocked.Increment(ref _free);
        HandOver();
    }

    // Pairs free slots with live waiters until one of them runs out; a cancelled waiter's slot goes back.
    private void HandOver()
    {
        while (!_waiting.IsEmpty && TryTake())
        {
            if (_waiting.TryDequeue(out var waiter) && waiter.TrySetResult())
                continue;
            Interlocked.Increment(ref _free);
        }
    }

    private bool TryTake()
    {
        var free = Volatile.Read(ref _free);
        while (free > 0)
        {
            var seen = Interlocked.CompareExchange(ref _free, free - 1, free);
            if (seen == free)
                return true;
            free = seen;
        }
        return false;
    }
}
