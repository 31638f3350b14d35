using CertFleet.Interfaces;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Watching;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Bridge.Tests.Dispatch;

public sealed class OwnWritesTests
{
    private const string Resource = "certificates.cert-manager.io";
    private static readonly ObjectKey Web = new("local", "apps", "web");
    private static readonly ObjectKey Shop = new("local", "apps", "shop");

    private readonly FakeTimeProvider _clock = new();
    private readonly List<string> _delivered = [];
    private readonly OwnWrites _writes;

    public OwnWritesTests() => _writes = new OwnWrites(_clock);

    private static ObjectChange Change(ObjectKey key, string version) => new(Resource, key, "uid-1", new object(), version);

    private void Observe(ObjectChange change, bool ignorable = true) =>
        _writes.Observe(change, ignorable, c => _delivered.Add($"{c.Key.Name}@{c.ResourceVersion}"));

    [Fact]
    public void The_echo_of_a_finished_write_is_dropped_once_and_other_versions_go_through()
    {
        _writes.Started(Resource, Web);
        _writes.Ended(Resource, Web, "7");

        Observe(Change(Web, "6"));
        Observe(Change(Web, "7"));
        Observe(Change(Web, "7"));
        Observe(Change(Shop, "7"));

        Assert.Equal(["web@6", "web@7", "shop@7"], _delivered);
        Assert.Equal(0, _writes.Count);
    }

    [Fact]
    public void Changes_that_arrive_while_a_write_runs_wait_for_it_in_order_and_its_echo_among_them_is_dropped()
    {
        _writes.Started(Resource, Web);
        Observe(Change(Web, "5"));
        Observe(Change(Web, "6"));
        Observe(Change(Web, "7"));
        Observe(Change(Shop, "8"));
        Assert.Equal(["shop@8"], _delivered);

        _writes.Ended(Resource, Web, "6");

        Assert.Equal(["shop@8", "web@5", "web@7"], _delivered);
        Assert.Equal(0, _writes.Count);
    }

    [Fact]
    public void A_change_its_grains_would_not_ignore_is_delivered_even_when_it_shows_the_written_version()
    {
        _writes.Started(Resource, Web);
        Observe(Change(Web, "6"), ignorable: false);
        _writes.Ended(Resource, Web, "6");
        Observe(Change(Web, "6"), ignorable: false);

        Assert.Equal(["web@6", "web@6"], _delivered);
    }

    [Fact]
    public void A_failed_write_releases_what_waited_and_a_deletion_is_never_dropped()
    {
        _writes.Started(Resource, Web);
        Observe(Change(Web, "5"));
        _writes.Ended(Resource, Web, null);
        Assert.Equal(["web@5"], _delivered);
        Assert.Equal(0, _writes.Count);

        _writes.Started(Resource, Web);
        _writes.Ended(Resource, Web, "9");
        _writes.Observe(new ObjectChange(Resource, Web, "uid-1", null, "9"), true, c => _delivered.Add($"deleted {c.Key.Name}"));
        Assert.Equal(["web@5", "deleted web"], _delivered);
        Assert.Equal(0, _writes.Count);
    }

    [Fact]
    public void Two_writes_in_flight_hold_changes_until_both_end()
    {
        _writes.Started(Resource, Web);
        _writes.Started(Resource, Web);
        Observe(Change(Web, "5"));
        _writes.Ended(Resource, Web, "5");
        Assert.Empty(_delivered);
        Observe(Change(Web, "6"));
        _writes.Ended(Resource, Web, "6");

        // the last write's version is the one an echo is recognised by
        Assert.Equal(["web@5"], _delivered);
    }

    [Fact]
    public void A_version_whose_echo_never_comes_is_forgotten_after_its_lifetime()
    {
        _writes.Started(Resource, Web);
        _writes.Ended(Resource, Web, "7");
        _clock.Advance(OwnWrites.Lifetime);

        // the next write sweeps it
        _writes.Started(Resource, Shop);
        _writes.Ended(Resource, Shop, "8");
        Assert.Equal(1, _writes.Count);
        Observe(Change(Web, "7"));
        Assert.Equal(["web@7"], _delivered);
    }
}
