using System.Collections.Concurrent;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// HTTP-01 for a FleetCertificate: the Challenge of its one Certificate (home cluster, controller namespace, labelled
/// with the FleetCertificate's name) copies its solver route into every placed member cluster and cleans them up; a
/// member that does not answer holds neither the present nor, beyond a bound, the clean-up.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetChallengeTests(FleetClusterFixture fixture)
{
    private const string ControllerNamespace = "cert-manager";

    private FakeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task AFleetChallengeRoutesInEveryPlacedMemberWithTheSolversOverridesAndCleansThemUp()
    {
        var fleet = NewFleet();
        FakeFleetCertificateGrain.Placements[fleet] =
        [
            new(TestObjects.Cluster, ControllerNamespace), new("member-a", "web"), new("member-a", "app"), new("member-b", "shop"),
        ];
        var key = Key(ControllerNamespace, $"{fleet}-1-2-3");
        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey());

        await challenge.StartAsync(Work(key, fleet));

        var routes = await Eventually(() => Task.FromResult(RoutesOf(key)), r => r.Count == 3, "the home route and one per member cluster");
        Assert.Null(routes[key].FleetCertificate);
        // One route per member cluster, in its first placed namespace; none for the home cluster's placement.
        var memberA = routes[new ObjectKey("member-a", "app", key.Name)];
        var memberB = routes[new ObjectKey("member-b", "shop", key.Name)];
        foreach (var member in new[] { memberA, memberB })
        {
            Assert.Equal(fleet, member.FleetCertificate);
            Assert.Equal(("fleet.example.com", "tok-fleet", "nginx"), (member.DnsName, member.Token, member.Ingress!.IngressClassName));
            Assert.Equal("web", member.Ingress.Labels["team"]);
        }
        Assert.DoesNotContain(Cluster.Events, e => e.Object == key && e.Reason == CertFleetReasons.FleetSolverRouteError);

        await challenge.DeletedAsync([Finalizers.Acme]);

        Assert.Empty(RoutesOf(key));
        Assert.Contains($"challenges/{key}/{Finalizers.Acme}", Cluster.RemovedFinalizers);
    }

    [Fact]
    public async Task AnUnreachableMemberHoldsNeitherThePresentNorTheCleanUpBeyondItsBound()
    {
        var fleet = NewFleet();
        FakeFleetCertificateGrain.Placements[fleet] = [new("member-c", "web"), new($"down-{fleet}", "web")];
        Cluster.UnreachableClusters[$"down-{fleet}"] = true;
        var key = Key(ControllerNamespace, $"{fleet}-1-2-3");
        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey());

        await challenge.StartAsync(Work(key, fleet));

        var status = await Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)),
            s => s?.Presented == true, "the Challenge presented although one member does not answer");
        Assert.True(status!.Processing);
        Assert.Equal(new HashSet<ObjectKey> { key, new("member-c", "web", key.Name) }, RoutesOf(key).Keys.ToHashSet());
        var warning = Assert.Single(Cluster.Events, e => e.Object == key && e.Reason == CertFleetReasons.FleetSolverRouteError);
        Assert.Equal(EventRecord.Warning, warning.Type);
        Assert.Contains($"in cluster \"down-{fleet}\" (namespace \"web\")", warning.Message);
        Assert.Contains("no answer within 10 s (test)", warning.Message);

        // The deletion is redelivered while the member's route is left; the reachable member's goes at once.
        for (var attempt = 1; attempt < ChallengeGrain.MaxFleetCleanUpAttempts; attempt++)
        {
            var error = await Assert.ThrowsAsync<ClusterWriteException>(() => challenge.DeletedAsync([Finalizers.Acme]));
            Assert.Contains($"attempt {attempt} of {ChallengeGrain.MaxFleetCleanUpAttempts}", error.Message);
            Assert.DoesNotContain(RoutesOf(key), r => r.Key.Cluster != $"down-{fleet}");
            Assert.DoesNotContain($"challenges/{key}/{Finalizers.Acme}", Cluster.RemovedFinalizers);
        }
        var writesBefore = Cluster.SolverRouteWrites[$"down-{fleet}"];
        await challenge.DeletedAsync([Finalizers.Acme]);

        Assert.Equal(writesBefore + 1, Cluster.SolverRouteWrites[$"down-{fleet}"]);
        Assert.Contains($"challenges/{key}/{Finalizers.Acme}", Cluster.RemovedFinalizers);
        var left = Assert.Single(Cluster.Events, e => e.Object == key && e.Reason == CertFleetReasons.FleetSolverRouteLeft);
        Assert.Contains($"{FleetNames.FleetCertificateLabel}={fleet}", left.Message);
        Assert.Contains($"\"web\" of cluster \"down-{fleet}\"", left.Message);
        // Forgotten: a later deletion of the same name tries nothing more there.
        await challenge.DeletedAsync([]);
        Assert.Equal(writesBefore + 1, Cluster.SolverRouteWrites[$"down-{fleet}"]);
    }

    /// <summary>A member that left the fleet since the present is not written to: its route is no longer ours to delete.</summary>
    [Fact]
    public async Task AMemberThatLeftIsNotCleanedUpAndDoesNotHoldTheChallenge()
    {
        var fleet = NewFleet();
        var left = $"left-{fleet}";
        FakeFleetCertificateGrain.Placements[fleet] = [new("member-e", "web"), new(left, "web")];
        var key = Key(ControllerNamespace, $"{fleet}-1-2-3");
        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey());
        await challenge.StartAsync(Work(key, fleet));
        await Eventually(() => Task.FromResult(RoutesOf(key)), r => r.Count == 3, "the home route and both members'");
        Cluster.LeftClusters[left] = true;

        await challenge.DeletedAsync([Finalizers.Acme]);

        Assert.Equal([new ObjectKey(left, "web", key.Name)], RoutesOf(key).Keys);
        Assert.Contains($"challenges/{key}/{Finalizers.Acme}", Cluster.RemovedFinalizers);
        Assert.DoesNotContain(Cluster.Events, e => e.Object == key && e.Reason == CertFleetReasons.FleetSolverRouteLeft);
    }

    /// <summary>
    /// The label alone is not enough: only the home cluster's controller namespace holds a FleetCertificate's
    /// Certificate, so a Certificate labelled so by a namespace's user gets its own route only.
    /// </summary>
    [Fact]
    public async Task TheFleetLabelOutsideTheControllerNamespaceMakesNoMemberRoute()
    {
        var fleet = NewFleet();
        FakeFleetCertificateGrain.Placements[fleet] = [new("member-a", "web")];
        var key = Key(NewNamespace(), $"{fleet}-1-2-3");

        await fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).StartAsync(Work(key, fleet));

        await Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)), s => s?.Presented == true, "the present");
        Assert.Equal([key], RoutesOf(key).Keys);
    }

    private static string NewFleet() => $"fleet-{Guid.NewGuid():N}"[..16];

    private Dictionary<ObjectKey, SolverRoute> RoutesOf(ObjectKey key) =>
        Cluster.SolverRoutes.Where(r => r.Key.Name == key.Name).ToDictionary(r => r.Key, r => r.Value);

    private static ChallengeWork Work(ObjectKey key, string fleet) => new()
    {
        Issuer = new AcmeIssuerContext
        {
            Issuer = new ObjectKey(key.Cluster, "", "letsencrypt"),
            IssuerKind = "ClusterIssuer",
            Spec = new AcmeIssuer { Server = "https://acme.invalid/directory" },
            AccountUrl = "https://acme.invalid/acct/1",
            AccountKeySecret = new ObjectKey(key.Cluster, ControllerNamespace, "letsencrypt-account"),
        },
        Order = key.WithName(key.Name[..key.Name.LastIndexOf('-')]),
        ChallengeUid = Guid.NewGuid().ToString(),
        Resource = new Challenge
        {
            Metadata = new ObjectMeta
            {
                Name = key.Name,
                Namespace = key.Namespace,
                Labels = new Dictionary<string, string> { [FleetNames.FleetCertificateLabel] = fleet },
            },
            Spec = new ChallengeSpec
            {
                Type = ChallengeTypes.Http01,
                DnsName = "fleet.example.com",
                Key = "tok-fleet.thumbprint",
                Token = "tok-fleet",
                Url = "https://acme.invalid/chall/1",
                AuthorizationUrl = "https://acme.invalid/authz/1",
                Solver = new AcmeChallengeSolver
                {
                    Http01 = new AcmeHttp01Solver
                    {
                        Ingress = new AcmeHttp01Ingress
                        {
                            IngressClassName = "nginx",
                            IngressTemplate = new AcmeHttp01IngressTemplate
                            {
                                Metadata = new TemplateMetadata { Labels = new Dictionary<string, string> { ["team"] = "web" } },
                            },
                        },
                    },
                },
            },
        },
    };
}

/// <summary>
/// A FleetCertificate grain that only answers placements the test set. Its silo runs no other implementation of
/// <see cref="IFleetCertificateGrain"/>, so these tests do not depend on how FleetCertificates are placed.
/// </summary>
[GrainType("test-fleetcertificate")]
public sealed class FakeFleetCertificateGrain : Grain, IFleetCertificateGrain
{
    public static ConcurrentDictionary<string, List<FleetPlacement>> Placements { get; } = new();

    public Task<IReadOnlyList<FleetPlacement>> GetPlacementsAsync() =>
        Task.FromResult<IReadOnlyList<FleetPlacement>>(Placements.GetValueOrDefault(this.GetPrimaryKeyString()) ?? []);

    // The bridge's notices: no bridge runs in these tests, and no copy is made.
    public Task SyncAsync(FleetCertificate fleetCertificate) => Task.CompletedTask;

    public Task DeletedAsync(string uid) => Task.CompletedTask;

    public Task HomeCertificateChangedAsync(ObjectKey certificate) => Task.CompletedTask;

    public Task CopyChangedAsync(ObjectKey key, SecretMetadata? copy) => Task.CompletedTask;

    public Task MembersChangedAsync() => Task.CompletedTask;
}

public sealed class FleetClusterFixture : ClusterFixture
{
    protected override void ConfigureSilo(ISiloBuilder silo) =>
        silo.Services.PostConfigure<GrainTypeOptions>(o => o.Classes.RemoveWhere(type =>
            typeof(IFleetCertificateGrain).IsAssignableFrom(type) && type != typeof(FakeFleetCertificateGrain)));
}

[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetClusterFixture>
{
    public const string Name = "silo-fleet";
}
