using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// Bounds the Certificate passes that run at once on this silo (<see cref="IssuanceOptions.CertificatePassesInFlight"/>).
/// Ten thousand Certificates applied at once would otherwise all start a pass, each pass would wait behind all the
/// others for the API server, the signers and the CPU, and a grain that waits that long in a turn has the bridge's calls
/// to it expire. A pass that finds no free slot ends its turn at once and is queued here; the slot it frees is held for
/// the first waiter, which is woken (<see cref="ICertificateGrain.WakeAsync"/>) and takes it on its next pass.
/// </summary>
public sealed class CertificatePassSlots(int capacity, Func<ObjectKey, Task> wake, TimeProvider clock, ILogger logger)
{
    [ActivatorUtilitiesConstructor]
    public CertificatePassSlots(IGrainFactory grains, IOptions<IssuanceOptions> options,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock, ILogger<CertificatePassSlots> logger)
        : this(options.Value.CertificatePassesInFlight, key => grains.GetGrain<ICertificateGrain>(key.ToGrainKey()).WakeAsync(), clock, logger)
    {
    }

    /// <summary>How long a slot is held for a woken waiter; a wake that is lost (its silo went) frees it after this.</summary>
    public static readonly TimeSpan Reservation = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Queue<ObjectKey> _waiting = new();
    private readonly HashSet<ObjectKey> _queued = [];
    private readonly Dictionary<ObjectKey, DateTimeOffset> _reserved = [];
    private int _running;

    /// <summary>Passes running now, and Certificates waiting for a slot (for tests and the bench).</summary>
    public (int Running, int Waiting) Load
    {
        get
        {
            lock (_lock)
                return (_running, _waiting.Count);
        }
    }

    /// <summary>
    /// True when <paramref name="certificate"/> may run its pass now (call <see cref="Exit"/> after it); false when it
    /// is queued and will be woken once a slot is free for it.
    /// </summary>
    public bool TryEnter(ObjectKey certificate)
    {
        List<ObjectKey> toWake;
        bool entered;
        lock (_lock)
        {
            toWake = ReleaseExpiredReservations();
            if (_reserved.Remove(certificate)
                || (_waiting.Count == 0 && _running + _reserved.Count < capacity))
            {
                _running++;
                entered = true;
            }
            else
            {
                if (_queued.Add(certificate))
                    _waiting.Enqueue(certificate);
                entered = false;
            }
        }
        Wake(toWake);
        return entered;
    }

    public void Exit()
    {
        List<ObjectKey> toWake;
        lock (_lock)
        {
            _running--;
            toWake = ReleaseExpiredReservations();
            if (HandToNextWaiter() is { } next)
                toWake.Add(next);
        }
        Wake(toWake);
    }

    /// <summary>Reservations whose waiter never came are given to the next waiters; returns whom to wake.</summary>
    private List<ObjectKey> ReleaseExpiredReservations()
    {
        var toWake = new List<ObjectKey>();
        if (_reserved.Count == 0)
            return toWake;
        var now = clock.GetUtcNow();
        foreach (var (key, until) in _reserved.ToList())
        {
            if (until > now)
                continue;
            _reserved.Remove(key);
            if (HandToNextWaiter() is { } next)
                toWake.Add(next);
        }
        return toWake;
    }

    private ObjectKey? HandToNextWaiter()
    {
        if (_running + _reserved.Count >= capacity || !_waiting.TryDequeue(out var next))
            return null;
        _queued.Remove(next);
        _reserved[next] = clock.GetUtcNow() + Reservation;
        return next;
    }

    private void Wake(List<ObjectKey> certificates)
    {
        foreach (var certificate in certificates)
            wake(certificate).ContinueWith(
                t => logger.LogWarning(t.Exception, "Certificate {Certificate}: not woken for its pass slot; its fallback timer runs the pass", certificate),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}
