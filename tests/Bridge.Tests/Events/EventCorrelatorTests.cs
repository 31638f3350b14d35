using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Events;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Bridge.Tests.Events;

public sealed class EventCorrelatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    private static EventRecord Record(string name = "web", string reason = "Issuing", string message = "Issuing certificate",
        string ns = "default", ResourceKind? kind = null) =>
        new(kind ?? ResourceKind.Certificate, new ObjectKey("local", ns, name), "uid-" + name, EventRecord.Normal, reason,
            message, "cert-manager-certificates-trigger");

    [Fact]
    public void A_repeat_within_ten_minutes_increments_the_same_event()
    {
        var correlator = new EventCorrelator(_time);
        var first = correlator.Decide(Record());
        _time.Advance(TimeSpan.FromMinutes(9));
        var second = correlator.Decide(Record());

        Assert.Equal(EventAction.Create, first.Action);
        Assert.Equal(EventAction.Increment, second.Action);
        Assert.Equal(first.Name, second.Name);
        Assert.Equal(2, second.Count);
        Assert.Equal(first.FirstTimestamp, second.FirstTimestamp);
        Assert.Equal(_time.GetUtcNow(), second.LastTimestamp);
        Assert.Matches("^web\\.[0-9a-f]{16}$", first.Name);
        Assert.Equal("default", first.Namespace);
    }

    [Fact]
    public void A_repeat_after_ten_quiet_minutes_is_a_new_event()
    {
        var correlator = new EventCorrelator(_time);
        var first = correlator.Decide(Record());
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var later = correlator.Decide(Record());

        Assert.Equal(EventAction.Create, later.Action);
        Assert.NotEqual(first.Name, later.Name);
        Assert.Equal(1, later.Count);
    }

    [Fact]
    public void Different_reasons_or_messages_are_different_events()
    {
        var correlator = new EventCorrelator(_time);
        var issuing = correlator.Decide(Record());
        var otherMessage = correlator.Decide(Record(message: "Renewing certificate"));
        var otherReason = correlator.Decide(Record(reason: "Requested"));

        Assert.All([issuing, otherMessage, otherReason], d => Assert.Equal(EventAction.Create, d.Action));
        Assert.Equal(3, new[] { issuing.Name, otherMessage.Name, otherReason.Name }.Distinct().Count());
    }

    [Fact]
    public void An_object_gets_a_burst_of_25_events_then_one_per_five_minutes()
    {
        var correlator = new EventCorrelator(_time);
        var decisions = Enumerable.Range(0, 30).Select(i => correlator.Decide(Record(message: $"attempt {i}"))).ToList();

        Assert.Equal(25, decisions.Count(d => d.Action != EventAction.Drop));
        Assert.All(decisions.Skip(25), d => Assert.Equal(EventAction.Drop, d.Action));
        // Other objects are not affected by this one's storm.
        Assert.Equal(EventAction.Create, correlator.Decide(Record(name: "other")).Action);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotEqual(EventAction.Drop, correlator.Decide(Record(message: "after a while")).Action);
        Assert.Equal(EventAction.Drop, correlator.Decide(Record(message: "too soon again")).Action);
    }

    [Fact]
    public void With_every_tracked_object_busy_a_new_one_is_not_limited_until_their_buckets_fill_up_again()
    {
        var correlator = new EventCorrelator(_time);
        // Every tracked object spent a token: no bucket is full, so none can be forgotten to make room.
        for (var i = 0; i < EventCorrelator.MaxTracked; i++)
            correlator.Decide(Record(name: $"busy-{i}"));
        var untracked = Enumerable.Range(0, 30).Select(i => correlator.Decide(Record(name: "new", message: $"attempt {i}"))).ToList();

        // Once the busy buckets have refilled they are forgotten, and a new object is limited like any other.
        _time.Advance(EventCorrelator.SpamRefillInterval);
        var tracked = Enumerable.Range(0, 30).Select(i => correlator.Decide(Record(name: "newer", message: $"attempt {i}"))).ToList();

        Assert.DoesNotContain(untracked, d => d.Action == EventAction.Drop);
        Assert.Equal(25, tracked.Count(d => d.Action != EventAction.Drop));
    }

    [Fact]
    public void Events_of_cluster_scoped_objects_go_to_the_default_namespace()
    {
        var correlator = new EventCorrelator(_time);
        var decision = correlator.Decide(Record(name: "letsencrypt", ns: "", kind: ResourceKind.ClusterIssuer));

        Assert.Equal("default", decision.Namespace);
    }
}
