using System.Collections.Concurrent;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Bridge.Tests.Dispatch;

/// <summary>No grain hears of an object the store does not know; the store forgets only what was delivered deleted.</summary>
public sealed class KnownObjectsTests : IAsyncDisposable
{
    private const string Resource = "widgets";
    private readonly MemoryKnownObjectsStore _store = new();
    private readonly ConcurrentQueue<ObjectChange> _delivered = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly KnownObjects _known;
    private readonly Task _running;

    public KnownObjectsTests()
    {
        _known = new KnownObjects(_store, "c", Resource, _delivered.Enqueue, NullLogger.Instance);
        _running = _known.RunAsync(_stop.Token);
    }

    private static ObjectChange Widget(string name, string uid, string? content) => new(Resource, new ObjectKey("c", "ns", name), uid, content);

    private IReadOnlyDictionary<string, string> Stored => _store.Known("c", Resource);

    [Fact]
    public async Task A_new_object_waits_until_it_is_stored_and_its_later_changes_wait_behind_it()
    {
        _store.Unavailable = true;
        _known.Observe(Widget("a", "u1", "a@1"));
        _known.Observe(Widget("a", "u1", "a@2"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(_delivered);

        _store.Unavailable = false;
        await Eventually.TrueAsync(() => _delivered.Count == 2, "both changes go out once the store has the object");
        Assert.Equal(["a@1", "a@2"], _delivered.Select(c => (string)c.Object!));
        Assert.Equal("u1", Stored["ns/a"]);

        // A known object's changes go out at once.
        _known.Observe(Widget("a", "u1", "a@3"));
        Assert.Equal("a@3", (string)_delivered.Last().Object!);
    }

    [Fact]
    public async Task An_object_is_forgotten_only_once_its_deletion_was_delivered_and_not_when_a_new_uid_took_its_name()
    {
        _known.Observe(Widget("a", "u1", "a@1"));
        await Eventually.TrueAsync(() => _delivered.Count == 1, "the object goes out");

        var deletion = Widget("a", "u1", null);
        _known.Observe(deletion);
        Assert.Same(deletion, _delivered.Last());
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal("u1", Stored["ns/a"]); // not yet delivered: a crash now must still find it

        _known.Observe(Widget("a", "u2", "a@5"));
        _known.Delivered(deletion);
        await Eventually.TrueAsync(() => _delivered.Count == 3, "the new object goes out");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal("u2", Stored["ns/a"]);

        _known.Delivered(Widget("a", "u2", null));
        await Eventually.TrueAsync(() => !Stored.ContainsKey("ns/a"), "the delivered deletion is forgotten");
    }

    [Fact]
    public async Task What_earlier_terms_stored_is_read_back()
    {
        await _store.ApplyAsync("c", Resource, new Dictionary<string, string?> { ["ns/a"] = "u1", ["/cluster-wide"] = "u2" });
        var loaded = await _known.LoadAsync(CancellationToken.None);
        Assert.Equal("u1", loaded[("ns", "a")]);
        Assert.Equal("u2", loaded[("", "cluster-wide")]);

        // Known already: delivered without waiting for a write.
        _known.Observe(Widget("a", "u1", "a@9"));
        Assert.Single(_delivered);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
