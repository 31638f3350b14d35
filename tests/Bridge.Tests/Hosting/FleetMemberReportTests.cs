using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Metrics;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using Microsoft.Extensions.Time.Testing;

namespace CertFleet.Bridge.Tests.Hosting;

/// <summary>What the watching silo tells a member's fleet grain: reachability from the API's answers, Certificates counted and listed.</summary>
public sealed class FleetMemberReportTests : EmulatorTest
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static CertificateReading Reading(string name, string ready, int? daysLeft, bool failing = false) =>
        new(new ObjectKey("east", "apps", name), "ca", "", "", ready, daysLeft is { } d ? Now.AddDays(d) : null, null, null)
        {
            LastFailureTime = failing ? Now.AddHours(-1) : null,
        };

    [Fact]
    public void A_report_counts_ready_not_ready_expiring_within_14_days_and_failing_and_lists_the_soonest_to_expire_first()
    {
        CertificateReading[] readings =
        [
            Reading("later", ConditionStatus.True, 60),
            Reading("soon", ConditionStatus.True, 10),
            Reading("expired", ConditionStatus.False, -1, failing: true),
            Reading("new", ConditionStatus.Unknown, null),
            Reading("edge", ConditionStatus.True, 14),
        ];

        var report = FleetMemberReporting.Build("east", "silo-1", new ApiReachability(new FakeTimeProvider(Now)), readings, [], Now);

        Assert.Equal(new FleetCertificateCounts(Total: 5, Ready: 3, NotReady: 2, ExpiringSoon: 3, Failing: 1), report.Counts);
        Assert.Equal(["expired", "soon", "edge", "later", "new"], report.Certificates.Select(c => c.Name));
        Assert.Equal("Issuer/ca", report.Certificates[0].Issuer);
        Assert.True(report.Certificates[0].Failing);
        Assert.Equal((true, "silo-1", 0), (report.Reachable, report.WatchingSilo, report.CertificatesLeftOut));
    }

    [Fact]
    public void A_report_lists_at_most_its_bound_whatever_the_member_holds()
    {
        var readings = Enumerable.Range(0, 10_000).Select(i => Reading($"c{i}", ConditionStatus.True, 20 + i % 70)).ToList();

        var report = FleetMemberReporting.Build("east", "silo-1", new ApiReachability(new FakeTimeProvider(Now)), readings, [], Now);

        Assert.Equal(FleetMemberReporting.ListedCertificates, report.Certificates.Count);
        Assert.Equal(10_000 - FleetMemberReporting.ListedCertificates, report.CertificatesLeftOut);
        Assert.Equal(10_000, report.Counts.Total);
        // The soonest to expire: in order, and none left out expires before the last listed one.
        var listed = report.Certificates.Select(c => c.NotAfter!.Value).ToList();
        Assert.Equal(listed.Order(), listed);
        var names = report.Certificates.Select(c => c.Name).ToHashSet();
        Assert.All(readings.Where(r => !names.Contains(r.Key.Name)), r => Assert.True(r.NotAfter >= listed[^1]));
    }

    [Fact]
    public void The_home_report_carries_each_FleetCertificates_copies_from_its_status_bounded_per_FleetCertificate()
    {
        var statuses = new WatchedStatuses();
        var copies = Enumerable.Range(0, FleetMemberReporting.ListedCopies + 5)
            .Select(i => new FleetCertificateCopy { Cluster = $"member-{i}", Namespace = "web", Revision = 2, LastWriteTime = Now, Error = i == 0 ? "forbidden" : null })
            .ToList();
        statuses.Observe(new ObjectChange("fleetcertificates.certfleet.io", new ObjectKey("home", "", "shared"), "uid-1", new FleetCertificate
        {
            Status = new FleetCertificateStatus
            {
                Conditions = [new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.False }],
                Revision = 2,
                CopiesCurrent = "104/105",
                Copies = copies,
            },
        }));

        var report = FleetMemberReporting.Build("home", "silo-0", new ApiReachability(new FakeTimeProvider(Now)), [], [.. statuses.FleetCertificates], Now);

        var fleet = Assert.Single(report.FleetCertificates);
        Assert.Equal(("shared", ConditionStatus.False, 2, "104/105"), (fleet.Name, fleet.Ready, fleet.Revision!.Value, fleet.CopiesCurrent!));
        Assert.Equal(copies.Take(FleetMemberReporting.ListedCopies), fleet.Copies);
        Assert.Equal(5, fleet.CopiesLeftOut);
        Assert.Equal("forbidden", fleet.Copies[0].Error);
    }

    [Fact]
    public async Task The_connection_reads_unreachable_from_the_first_unanswered_request_until_the_API_answers_again()
    {
        var connection = Api.Connection;
        await connection.Client.CoreV1.ListNamespaceAsync();
        Assert.Null(connection.Reachability.UnreachableSince);

        Api.Server.Faults.MakeUnreachable(TimeSpan.FromMinutes(1));
        var before = DateTimeOffset.UtcNow;
        await Assert.ThrowsAnyAsync<Exception>(() => connection.Client.CoreV1.ListNamespaceAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => connection.Client.CoreV1.ListNamespaceAsync());
        var since = connection.Reachability.UnreachableSince;
        Assert.NotNull(since);
        Assert.InRange(since.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.NotNull(connection.Reachability.LastError);
        var report = FleetMemberReporting.Build(connection.Name, "silo-0", connection.Reachability, [], [], DateTimeOffset.UtcNow);
        Assert.Equal((false, since), (report.Reachable, report.UnreachableSince));

        Api.Server.Faults.Clear();
        await connection.Client.CoreV1.ListNamespaceAsync();
        Assert.Null(connection.Reachability.UnreachableSince);
        Assert.Null(connection.Reachability.LastError);
    }
}
