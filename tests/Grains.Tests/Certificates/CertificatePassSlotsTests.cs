using CertFleet.Grains.Certificates;
using CertFleet.Interfaces;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Grains.Tests.Certificates;

public sealed class CertificatePassSlotsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<string> _woken = [];

    private CertificatePassSlots Slots(int capacity) => new(capacity, key =>
    {
        lock (_woken)
            _woken.Add(key.Name);
        return Task.CompletedTask;
    }, _clock, NullLogger.Instance);

    private static ObjectKey Key(string name) => new("local", "default", name);

    [Fact]
    public void PassesBeyondTheCapacityWaitAndAreWokenInTheirOrderAsSlotsFree()
    {
        var slots = Slots(2);
        Assert.True(slots.TryEnter(Key("a")));
        Assert.True(slots.TryEnter(Key("b")));
        Assert.False(slots.TryEnter(Key("c")));
        Assert.False(slots.TryEnter(Key("d")));
        Assert.False(slots.TryEnter(Key("c"))); // asked again: queued once, keeps its place
        Assert.Equal((2, 2), slots.Load);

        slots.Exit();
        Assert.Equal(["c"], _woken);
        // The freed slot is held for c: a newcomer does not take it, and c does.
        Assert.False(slots.TryEnter(Key("e")));
        Assert.True(slots.TryEnter(Key("c")));

        slots.Exit();
        slots.Exit();
        Assert.Equal(["c", "d", "e"], _woken);
        Assert.True(slots.TryEnter(Key("d")));
        Assert.True(slots.TryEnter(Key("e")));
        Assert.Equal((2, 0), slots.Load);
    }

    [Fact]
    public void ASlotHeldForAWaiterThatNeverComesGoesToTheNextAfterTheReservation()
    {
        var slots = Slots(1);
        Assert.True(slots.TryEnter(Key("a")));
        Assert.False(slots.TryEnter(Key("lost")));
        Assert.False(slots.TryEnter(Key("next")));
        slots.Exit();
        Assert.Equal(["lost"], _woken);

        _clock.Advance(CertificatePassSlots.Reservation - TimeSpan.FromSeconds(1));
        Assert.False(slots.TryEnter(Key("next")));
        _clock.Advance(TimeSpan.FromSeconds(2));
        // The next caller finds the reservation expired: the slot goes to the first waiter, who is woken.
        Assert.False(slots.TryEnter(Key("late")));
        Assert.Equal(["lost", "next"], _woken);
        Assert.True(slots.TryEnter(Key("next")));
    }

    [Fact]
    public void BelowTheCapacityEveryPassEntersAtOnce()
    {
        var slots = Slots(64);
        for (var i = 0; i < 64; i++)
            Assert.True(slots.TryEnter(Key($"c{i}")));
        for (var i = 0; i < 64; i++)
            slots.Exit();
        Assert.Empty(_woken);
        Assert.Equal((0, 0), slots.Load);
    }
}
