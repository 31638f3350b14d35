using System.Collections.Concurrent;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Watching;

/// <summary>The reflector's bookkeeping against a scripted source; the emulator tests cover the real protocol.</summary>
public sealed class ReflectorTests : IAsyncDisposable
{
    private readonly ScriptedSource _source = new();
    private readonly ConcurrentQueue<ObjectChange> _changes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private static ObservedObject Widget(string name, string uid, string rv) => new("ns", name, uid, rv, $"{name}@{rv}");

    private void Start(IReadOnlyDictionary<(string, string), string>? known = null)
    {
        var reflector = new Reflector(_source, "local", _changes.Enqueue, NullLogger.Instance, known);
        _running = reflector.RunAsync(_stop.Token);
    }

    private string[] Seen() => _changes.Select(c => c.IsDeletion ? $"-{c.Key.Name}/{c.Uid}" : $"+{c.Object}").ToArray();

    [Fact]
    public async Task Relisting_after_an_expired_version_reports_only_what_changed_meanwhile()
    {
        _source.QueueList("10", Widget("a", "u1", "5"), Widget("b", "u2", "6"), Widget("c", "u3", "7"));
        Start();
        await Eventually.TrueAsync(() => _changes.Count == 3, "the first list is delivered");

        // While we were away: a unchanged, b modified, c deleted, d created.
        _source.QueueList("20", Widget("a", "u1", "5"), Widget("b", "u2", "15"), Widget("d", "u4", "16"));
        _source.PushError(410);
        await Eventually.TrueAsync(() => _changes.Count == 6, "the relist is delivered");

        Assert.Equal(["+a@5", "+b@6", "+c@7", "+b@15", "+d@16", "-c/u3"], Seen());
        await Eventually.TrueAsync(() => _source.WatchedFrom.LastOrDefault() == "20", "it watches from the new list");
        Assert.Equal(2, _source.Lists);
    }

    [Fact]
    public async Task A_cut_stream_is_resumed_from_the_last_version_without_listing_again()
    {
        _source.QueueList("10", Widget("a", "u1", "5"));
        Start();
        await Eventually.TrueAsync(() => _source.WatchedFrom.Count == 1, "it watches");

        _source.Push(WatchEventType.Modified, Widget("a", "u1", "11"));
        _source.Push(WatchEventType.Bookmark, new ObservedObject("", "", "", "14", null));
        _source.Cut();
        await Eventually.TrueAsync(() => _source.WatchedFrom.Count == 2, "it watches again");
        _source.Push(WatchEventType.Added, Widget("b", "u2", "15"));
        _source.Push(WatchEventType.Deleted, Widget("a", "u1", "16"));
        await Eventually.TrueAsync(() => _changes.Count == 4, "the events after the cut are delivered");

        Assert.Equal(["10", "14"], _source.WatchedFrom);
        Assert.Equal(1, _source.Lists);
        Assert.Equal(["+a@5", "+a@11", "+b@15", "-a/u1"], Seen());
    }

    [Fact]
    public async Task The_first_list_reports_objects_known_from_an_earlier_term_that_are_gone_or_have_another_uid()
    {
        _source.QueueList("10", Widget("a", "u1", "5"), Widget("b", "u9", "6"));
        Start(new Dictionary<(string, string), string> { [("ns", "a")] = "u1", [("ns", "b")] = "u2", [("ns", "c")] = "u3" });
        await Eventually.TrueAsync(() => _changes.Count == 4, "the first list is delivered");

        Assert.Equal(["+a@5", "-b/u2", "+b@6", "-c/u3"], Seen());
    }

    [Fact]
    public async Task An_object_recreated_under_the_same_name_is_reported_deleted_then_added()
    {
        _source.QueueList("10", Widget("a", "u1", "5"));
        Start();
        await Eventually.TrueAsync(() => _changes.Count == 1, "the first list is delivered");

        _source.QueueList("30", Widget("a", "u9", "25"));
        _source.PushError(410);
        await Eventually.TrueAsync(() => _changes.Count == 3, "the relist is delivered");

        Assert.Equal(["+a@5", "-a/u1", "+a@25"], Seen());
    }

    [Fact]
    public async Task Repeated_events_are_not_delivered_twice_and_other_stream_errors_back_off_and_resume()
    {
        _source.QueueList("10", Widget("a", "u1", "5"));
        Start();
        await Eventually.TrueAsync(() => _source.WatchedFrom.Count == 1, "it watches");

        _source.Push(WatchEventType.Modified, Widget("a", "u1", "5")); // what the list already said
        _source.Push(WatchEventType.Modified, Widget("a", "u1", "12"));
        _source.PushError(500);
        await Eventually.TrueAsync(() => _source.WatchedFrom.Count == 2, "it watches again after the error");
        _source.Push(WatchEventType.Modified, Widget("a", "u1", "12")); // a replay after the resume
        _source.Push(WatchEventType.Modified, Widget("a", "u1", "13"));
        await Eventually.TrueAsync(() => _changes.Count == 3, "the new change is delivered");

        Assert.Equal(["+a@5", "+a@12", "+a@13"], Seen());
        Assert.Equal(["10", "12"], _source.WatchedFrom);
        Assert.Equal(1, _source.Lists);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
