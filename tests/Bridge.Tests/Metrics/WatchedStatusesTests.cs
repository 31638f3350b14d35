using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;

namespace CertFleet.Bridge.Tests.Metrics;

/// <summary>What the metrics endpoint sees of the watched objects, change by change.</summary>
public sealed class WatchedStatusesTests
{
    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly WatchedStatuses _statuses = new();

    private static ObjectChange Change(string resource, ObjectKey key, object? content) => new(resource, key, "uid-1", content);

    private static Certificate Certificate(string? ready, bool issued = true) => new()
    {
        Spec = new CertificateSpec { IssuerRef = new IssuerRef { Name = "ca", Kind = "ClusterIssuer", Group = "cert-manager.io" } },
        Status = new CertificateStatus
        {
            Conditions = ready is null ? [] : [new Condition { Type = ConditionTypes.Issuing, Status = ConditionStatus.True }, new Condition { Type = ConditionTypes.Ready, Status = ready }],
            NotBefore = issued ? NotBefore : null,
            NotAfter = issued ? NotBefore.AddDays(90) : null,
            RenewalTime = issued ? NotBefore.AddDays(60) : null,
        },
    };

    [Theory]
    [InlineData(ConditionStatus.True, ConditionStatus.True)]
    [InlineData(ConditionStatus.False, ConditionStatus.False)]
    [InlineData(null, ConditionStatus.Unknown)]
    public void A_certificate_reads_as_its_Ready_condition_and_status_times(string? ready, string expected)
    {
        var key = new ObjectKey("local", "team", "web");
        _statuses.Observe(Change("certificates.cert-manager.io", key, Certificate(ready)));

        var reading = Assert.Single(_statuses.Certificates);
        Assert.Equal(new CertificateReading(key, "ca", "ClusterIssuer", "cert-manager.io", expected,
            NotBefore.AddDays(90), NotBefore, NotBefore.AddDays(60)), reading);
    }

    [Fact]
    public void A_certificate_without_status_has_no_times_and_an_unset_issuer_kind_stays_empty()
    {
        var key = new ObjectKey("local", "team", "new");
        _statuses.Observe(Change("certificates.cert-manager.io", key,
            new Certificate { Spec = new CertificateSpec { IssuerRef = new IssuerRef { Name = "ca" } } }));

        Assert.Equal(new CertificateReading(key, "ca", "", "", ConditionStatus.Unknown, null, null, null), Assert.Single(_statuses.Certificates));
    }

    [Fact]
    public void A_later_change_replaces_the_reading_and_a_deletion_removes_it()
    {
        var key = new ObjectKey("local", "team", "web");
        _statuses.Observe(Change("certificates.cert-manager.io", key, Certificate(ConditionStatus.False, issued: false)));
        _statuses.Observe(Change("certificates.cert-manager.io", key, Certificate(ConditionStatus.True)));

        Assert.Equal(ConditionStatus.True, Assert.Single(_statuses.Certificates).Ready);

        _statuses.Observe(Change("certificates.cert-manager.io", key, null));
        Assert.Empty(_statuses.Certificates);
    }

    [Fact]
    public void Issuers_and_cluster_issuers_of_one_name_are_separate_and_challenges_keep_their_fields()
    {
        var issuer = new IssuerObject
        {
            Kind = "Issuer", Metadata = new ObjectMeta { Name = "ca" }, Spec = new IssuerSpec(),
            Status = new IssuerStatus { Conditions = [new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.True }] },
        };
        _statuses.Observe(Change("issuers.cert-manager.io", new ObjectKey("local", "team", "ca"), issuer));
        _statuses.Observe(Change("clusterissuers.cert-manager.io", new ObjectKey("local", "", "ca"), issuer with { Kind = "ClusterIssuer", Status = null }));
        _statuses.Observe(Change("challenges.acme.cert-manager.io", new ObjectKey("local", "team", "web-1-1-2"), new Challenge
        {
            Spec = new ChallengeSpec { DnsName = "www.example.com", Type = ChallengeTypes.Http01 },
            Status = new ChallengeStatus { State = OrderStates.Pending, Processing = true, Reason = "Waiting for HTTP-01 challenge propagation" },
        }));
        _statuses.Observe(Change("challenges.acme.cert-manager.io", new ObjectKey("local", "team", "web-1-1-3"),
            new Challenge { Spec = new ChallengeSpec { DnsName = "api.example.com", Type = ChallengeTypes.Dns01 } }));
        // kinds without metrics are not kept
        _statuses.Observe(Change("orders.acme.cert-manager.io", new ObjectKey("local", "team", "web-1-1"), new Order()));

        Assert.Equal([("team", ConditionStatus.True), ("", ConditionStatus.Unknown)],
            _statuses.Issuers.OrderByDescending(i => i.Key.Namespace).Select(i => (i.Key.Namespace, i.Ready)));
        Assert.Equal(
            [
                new ChallengeReading(new ObjectKey("local", "team", "web-1-1-2"), "www.example.com", "HTTP-01", "pending", "Waiting for HTTP-01 challenge propagation", true),
                new ChallengeReading(new ObjectKey("local", "team", "web-1-1-3"), "api.example.com", "DNS-01", "", "", false),
            ],
            _statuses.Challenges.OrderBy(c => c.Key.Name));
    }

    [Fact]
    public void Forgetting_a_cluster_drops_only_its_objects()
    {
        _statuses.Observe(Change("certificates.cert-manager.io", new ObjectKey("east", "team", "web"), Certificate(ConditionStatus.True)));
        _statuses.Observe(Change("certificates.cert-manager.io", new ObjectKey("west", "team", "web"), Certificate(ConditionStatus.True)));

        _statuses.Forget("east");

        Assert.Equal("west", Assert.Single(_statuses.Certificates).Key.Cluster);
    }

    [Fact]
    public async Task Syncs_count_every_delivery_per_cluster_and_controller_and_failures_as_errors()
    {
        var syncs = new ControllerSyncs();
        await syncs.CountAsync("east", "certificates.cert-manager.io", () => Task.CompletedTask);
        await syncs.CountAsync("east", "certificates.cert-manager.io", () => Task.CompletedTask);
        await syncs.CountAsync("west", "certificates.cert-manager.io", () => Task.CompletedTask);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            syncs.CountAsync("east", "challenges.acme.cert-manager.io", () => throw new InvalidOperationException("grain unavailable")));

        Assert.Equal("grain unavailable", failure.Message);
        Assert.Equal((2L, 0L), syncs.Totals[("east", "certificates")]);
        Assert.Equal((1L, 0L), syncs.Totals[("west", "certificates")]);
        Assert.Equal((1L, 1L), syncs.Totals[("east", "challenges")]);
        Assert.Equal("secrets", ControllerSyncs.ControllerOf("secrets"));
    }
}
