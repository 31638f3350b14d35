using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Hosting;

namespace CertFleet.Bridge.Tests.Hosting;

public sealed class WatchSpreadTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(5, 1, 5)]
    [InlineData(5, 0, 5)] // no membership yet: this silo alone
    [InlineData(4, 2, 2)]
    [InlineData(5, 2, 3)]
    [InlineData(1, 2, 1)] // the home cluster alone: every silo may take it
    [InlineData(10, 3, 4)]
    [InlineData(2, 5, 1)]
    public void The_fair_share_is_the_clusters_per_silo_rounded_up(int clusters, int silos, int share) =>
        Assert.Equal(share, WatchSpread.FairShare(clusters, silos));

    [Theory]
    // Nobody renews it: taken at once, whatever this silo holds, so no cluster waits for the silo count to drop.
    [InlineData(LeaseState.Orphaned, 3, 2, 0, true)]
    // A stopping silo gave it up: the same.
    [InlineData(LeaseState.Released, 3, 2, 0, true)]
    // New or handed off: a silo below its share takes it at once ...
    [InlineData(LeaseState.Absent, 1, 2, 0, true)]
    [InlineData(LeaseState.HandedOff, 0, 1, 0, true)]
    // ... one at its share leaves it to others ...
    [InlineData(LeaseState.Absent, 2, 2, 0, false)]
    [InlineData(LeaseState.HandedOff, 2, 2, 14, false)]
    [InlineData(LeaseState.HandedOff, 3, 2, 14, false)]
    // ... until no other took it within the grace.
    [InlineData(LeaseState.HandedOff, 2, 2, 15, true)]
    [InlineData(LeaseState.Absent, 4, 2, 20, true)]
    public void A_free_lease_is_taken_by_a_silo_below_its_share_or_after_the_grace(LeaseState state, int held, int share, int waitedSeconds, bool takes) =>
        Assert.Equal(takes, WatchSpread.MayAcquire(state, held, share, TimeSpan.FromSeconds(waitedSeconds), Grace));

    [Theory]
    [InlineData(5, 3, 2)]
    [InlineData(3, 3, 0)]
    [InlineData(1, 3, 0)]
    public void A_silo_hands_off_what_it_holds_above_its_share(int held, int share, int excess) =>
        Assert.Equal(excess, WatchSpread.Excess(held, share));

    [Fact]
    public void The_home_cluster_keeps_its_lease_and_each_member_gets_one_named_after_it()
    {
        Assert.Equal("certfleet-controller", WatchSpread.LeaseNameOf("certfleet-controller", ClusterRegistration.Home("local")));
        Assert.Equal("certfleet-controller-member-eu-west",
            WatchSpread.LeaseNameOf("certfleet-controller", Member("eu-west")));
    }

    [Fact]
    public void A_long_member_lease_name_is_shortened_to_63_characters_with_a_hash_that_keeps_names_apart()
    {
        var first = WatchSpread.LeaseNameOf("certfleet-controller", Member(new string('a', 50) + "-one"));
        var second = WatchSpread.LeaseNameOf("certfleet-controller", Member(new string('a', 50) + "-two"));

        Assert.Equal(63, first.Length);
        Assert.Equal(63, second.Length);
        Assert.NotEqual(first, second);
        Assert.StartsWith("certfleet-controller-member-aaaa", first);
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", first);
        Assert.Equal(first, WatchSpread.LeaseNameOf("certfleet-controller", Member(new string('a', 50) + "-one")));
    }

    private static ClusterRegistration Member(string name) =>
        new(name, ClusterRegistration.SecretSource, new Dictionary<string, string>());
}
