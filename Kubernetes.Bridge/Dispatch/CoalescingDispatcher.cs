using System.Threading.Channels;
using CertFleet.Providers;
using Microsoft.Extensions.Logging;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// Hands items to a delivery function with at most one delivery in flight per key and at most
/// <c>maxConcurrency</c> overall. Items for a key that wait behind a delivery coalesce: a newer item replaces an
/// undelivered older one, except that a deletion is never replaced, so deletions are always delivered, in order.
/// A failed delivery is retried with backoff; if a newer item arrived meanwhile, the newer one is delivered instead.
/// </summary>
public sealed class CoalescingDispatcher<TKey, TItem> where TKey : notnull
{
    private readonly Func<TItem, CancellationToken, Task> _deliver;
    private readonly Func<TItem, bool> _isDeletion;
    private readonly int _maxConcurrency;
    private readonly ExponentialBackoff _retryBackoff;
    private readonly ILogger _logger;
    private readonly Dictionary<TKey, KeyState> _keys = new();
    private readonly Channel<TKey> _ready = Channel.CreateUnbounded<TKey>();
    private readonly Lock _lock = new();

    public CoalescingDispatcher(Func<TItem, CancellationToken, Task> deliver, Func<TItem, bool> isDeletion,
        int maxConcurrency, ILogger logger, ExponentialBackoff? retryBackoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        _deliver = deliver;
        _isDeletion = isDeletion;
        _maxConcurrency = maxConcurrency;
        _logger = logger;
        _retryBackoff = retryBackoff ?? RetryBackoffs.Watch;
    }

    /// <summary>Keys with an item waiting, in flight, or waiting for a retry.</summary>
    public int ActiveKeys
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    public void Enqueue(TKey key, TItem item)
    {
        lock (_lock)
        {
            if (!_keys.TryGetValue(key, out var state))
                _keys[key] = state = new KeyState();
            if (state.Pending.Count > 0 && !_isDeletion(state.Pending[^1]))
                state.Pending[^1] = item;
            else
                state.Pending.Add(item);
            if (!state.Scheduled)
            {
                state.Scheduled = true;
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Delivers until <paramref name="ct"/> is cancelled; undelivered items are then dropped.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _maxConcurrency).Select(_ => DeliverLoopAsync(ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverLoopAsync(CancellationToken ct)
    {
        await foreach (var key in _ready.Reader.ReadAllAsync(ct))
        {
            TItem item;
            lock (_lock)
            {
                var pending = _keys[key].Pending;
                item = pending[0];
                pending.RemoveAt(0);
            }

            Exception? failure = null;
            try
            {
                await _deliver(item, ct);
            }
            catch (Exception exception) when (!ct.IsCancellationRequested)
            {
                failure = exception;
            }
            ct.ThrowIfCancellationRequested();

            if (failure is null)
                Delivered(key);
            else
                Failed(key, item, failure, ct);
        }
    }

    private void Delivered(TKey key)
    {
        lock (_lock)
        {
            var state = _keys[key];
            state.Failures = 0;
            if (state.Pending.Count == 0)
                _keys.Remove(key);
            else
                _ready.Writer.TryWrite(key);
        }
    }

    private void Failed(TKey key, TItem item, Exception failure, CancellationToken ct)
    {
        int failures;
        lock (_lock)
        {
            var state = _keys[key];
            failures = ++state.Failures;
            // A newer item for the key supersedes a failed change; a failed deletion must still go first.
            if (_isDeletion(item) || state.Pending.Count == 0)
                state.Pending.Insert(0, item);
        }

        if (failures == 1 || failures % 10 == 0)
            _logger.LogWarning("Delivering a change of {Key} failed ({Failures} in a row), retrying: {Error}", key, failures,
                failure.Message);
        _ = RescheduleAsync(key, _retryBackoff.Delay(failures), ct);
    }

    private async Task RescheduleAsync(TKey key, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            _ready.Writer.TryWrite(key);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class KeyState
    {
        public readonly List<TItem> Pending = [];

        /// <summary>In the ready queue, being delivered, or waiting for a retry: never two of these at once.</summary>
        public bool Scheduled;

        public int Failures;
    }
}
