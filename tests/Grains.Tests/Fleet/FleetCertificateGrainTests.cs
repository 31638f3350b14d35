using System.Text;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests.Fleet;

/// <summary>
/// The FleetCertificate grain against the fake cluster: one home Certificate, its Secret copied to every placement,
/// renewals, members joining, relabelled and unreachable, copies deleted by hand, and Secrets it does not own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FleetCertificateGrainTests(ClusterFixture fixture)
{
    private const string Home = "home";
    private FakeCluster Cluster => fixture.Cluster;

    private static readonly Dictionary<string, string> Prod = new() { ["env"] = "prod" };

    private IFleetCertificateGrain Grain(string name) => fixture.Grains.GetGrain<IFleetCertificateGrain>(name);

    private static ObjectKey HomeKey(string name) => new(Home, "cert-manager", $"fleet-{name}");

    private FleetCertificateStatus? Status(string name) =>
        Cluster.Status<FleetCertificateStatus>(ResourceKind.FleetCertificate, new ObjectKey(Home, "", name));

    private static FleetCertificate Fleet(string name, string ns, long generation = 1, Func<FleetCertificatePlacement, FleetCertificatePlacement>? placement = null)
    {
        var fleet = FleetSpecValidationTests.Valid(name);
        var place = new FleetCertificatePlacement
        {
            Clusters = [Home],
            ClusterSelector = new LabelSelector { MatchLabels = new() { ["env"] = "prod" } },
            Namespaces = [ns],
        };
        return fleet with
        {
            Metadata = fleet.Metadata with { Generation = generation },
            Spec = fleet.Spec with { Placement = placement is null ? place : placement(place) },
        };
    }

    /// <summary>What the home Certificate's grain would do on issuance: write the Secret, then status with the revision.</summary>
    private void Issue(string name, int revision)
    {
        var key = HomeKey(name);
        Cluster.Secrets[key] = new SecretData
        {
            Key = key,
            Type = SecretKeys.TlsSecretType,
            Data = new()
            {
                [SecretKeys.TlsCertificate] = Encoding.UTF8.GetBytes($"CHAIN-{revision}"),
                [SecretKeys.TlsPrivateKey] = Encoding.UTF8.GetBytes($"KEY-{revision}"),
                [SecretKeys.CaCertificate] = Encoding.UTF8.GetBytes("CA"),
            },
            Labels = new() { [Labels.ControllerFao] = Labels.True },
            Annotations = new() { [Annotations.CertificateName] = key.Name },
            ResourceVersion = Cluster.NextResourceVersion(),
        };
        Cluster.Certificates[key] = Cluster.Certificates[key] with
        {
            Status = new CertificateStatus
            {
                Revision = revision,
                Conditions = [new Condition { Type = ConditionTypes.Ready, Status = ConditionStatus.True, Reason = "Ready", Message = "up to date" }],
            },
        };
    }

    private void UseMembers(params FleetMember[] members) =>
        Cluster.Members = [new FleetMember(Home, true, new Dictionary<string, string>()), .. members];

    private Task<FleetCertificateStatus?> CopiesCurrentAsync(string name, string expected) =>
        Eventually(() => Task.FromResult(Status(name)), status => status?.CopiesCurrent == expected, $"copies {expected}");

    [Fact]
    public async Task Issued_once_copied_everywhere_renewed_everywhere_and_following_membership()
    {
        var ns = NewNamespace();
        UseMembers(new("eu-1", false, Prod), new("us-1", false, Prod), new("dev-1", false, new Dictionary<string, string> { ["env"] = "dev" }));
        var fleet = Fleet("shop", ns);
        await Grain("shop").SyncAsync(fleet);

        // The one issuance: a Certificate in the controller namespace, labelled and owned by the FleetCertificate.
        var certificate = await Eventually(() => Task.FromResult(Cluster.Certificates.GetValueOrDefault(HomeKey("shop"))), c => c is not null, "the home Certificate");
        Assert.Equal("shop", certificate!.Metadata.Labels![FleetNames.FleetCertificateLabel]);
        Assert.Equal(fleet.Metadata.Uid, Assert.Single(certificate.Metadata.OwnerReferences!).Uid);
        Assert.Equal(HomeKey("shop").Name, certificate.Spec.SecretName);
        var waiting = await Eventually(() => Task.FromResult(Status("shop")), s => s is not null, "a status");
        Assert.Equal(CertFleetReasons.WaitingForIssuance, waiting!.Conditions![0].Reason);
        Assert.Equal(["eu-1", "home", "us-1"], (await Grain("shop").GetPlacementsAsync()).Select(p => p.Cluster).Distinct().Order());

        Issue("shop", 1);
        await Grain("shop").HomeCertificateChangedAsync(HomeKey("shop"));
        var status = await CopiesCurrentAsync("shop", "3/3");
        Assert.Equal(ConditionStatus.True, status!.Conditions![0].Status);
        Assert.All(status.Copies!, copy => Assert.Equal(1, copy.Revision));
        Assert.Equal(["eu-1", "home", "us-1"], status.Copies!.Select(c => c.Cluster).Order());
        foreach (var cluster in new[] { Home, "eu-1", "us-1" })
        {
            var copy = Cluster.Secrets[new ObjectKey(cluster, ns, "web-tls")];
            Assert.Equal("KEY-1", copy.GetString(SecretKeys.TlsPrivateKey));
            Assert.Equal("CHAIN-1", copy.GetString(SecretKeys.TlsCertificate));
            Assert.Equal("shop", copy.Labels[FleetNames.FleetCertificateLabel]);
        }
        Assert.False(Cluster.Secrets.ContainsKey(new ObjectKey("dev-1", ns, "web-tls")));

        // Renewal: every copy follows the home Secret.
        Issue("shop", 2);
        await Grain("shop").HomeCertificateChangedAsync(HomeKey("shop"));
        await Eventually(() => Task.FromResult(Status("shop")), s => s?.Revision == 2 && s.Copies!.All(c => c.Revision == 2), "every copy at revision 2");
        Assert.All(new[] { Home, "eu-1", "us-1" }, cluster => Assert.Equal("KEY-2", Cluster.Secrets[new ObjectKey(cluster, ns, "web-tls")].GetString(SecretKeys.TlsPrivateKey)));

        // A member relabelled out loses its copy; one that joins and matches gets the current one.
        UseMembers(new("eu-1", false, Prod), new("us-1", false, new Dictionary<string, string> { ["env"] = "staging" }), new("ap-1", false, Prod));
        await Grain("shop").MembersChangedAsync();
        await Eventually(() => Task.FromResult(Cluster.Secrets.ContainsKey(new ObjectKey("us-1", ns, "web-tls"))), present => !present, "us-1's copy deleted");
        await Eventually(() => Task.FromResult(Status("shop")), s => s!.Copies!.Any(c => c.Cluster == "ap-1" && c.Revision == 2)
            && s.Copies!.All(c => c.Cluster != "us-1") && s.CopiesCurrent == "3/3", "ap-1's copy in status, us-1's gone");
        Assert.Equal("KEY-2", Cluster.Secrets[new ObjectKey("ap-1", ns, "web-tls")].GetString(SecretKeys.TlsPrivateKey));
        Assert.Contains($"secrets/{ns}/web-tls", Cluster.Deleted);

        // Deleted by hand: restored. Edited by hand: restored.
        Cluster.Secrets.TryRemove(new ObjectKey("eu-1", ns, "web-tls"), out _);
        await Grain("shop").CopyChangedAsync(new ObjectKey("eu-1", ns, "web-tls"), null);
        await Eventually(() => Task.FromResult(Cluster.Secrets.GetValueOrDefault(new ObjectKey("eu-1", ns, "web-tls"))?.GetString(SecretKeys.TlsPrivateKey)),
            key => key == "KEY-2", "the deleted copy restored");
        var edited = Cluster.Secrets[new ObjectKey("ap-1", ns, "web-tls")];
        Cluster.Secrets[edited.Key] = edited with
        {
            Data = new(edited.Data) { [SecretKeys.TlsPrivateKey] = Encoding.UTF8.GetBytes("MINE") },
            ResourceVersion = Cluster.NextResourceVersion(),
        };
        await Grain("shop").CopyChangedAsync(edited.Key, new SecretMetadata(edited.Key, "uid", Cluster.Secrets[edited.Key].ResourceVersion!,
            edited.Labels, edited.Annotations));
        await Eventually(() => Task.FromResult(Cluster.Secrets[edited.Key].GetString(SecretKeys.TlsPrivateKey)), key => key == "KEY-2", "the edited copy restored");

        // Deleting the FleetCertificate removes its copies and its home Certificate.
        await Grain("shop").DeletedAsync(fleet.Metadata.Uid!);
        Assert.DoesNotContain(Cluster.Secrets.Keys, key => key.Namespace == ns && key.Name == "web-tls");
        Assert.False(Cluster.Certificates.ContainsKey(HomeKey("shop")));
    }

    [Fact]
    public async Task A_Secret_it_did_not_write_is_left_alone_and_an_unreachable_member_waits_while_others_proceed()
    {
        var ns = NewNamespace();
        UseMembers(new("eu-1", false, Prod), new("us-1", false, Prod));
        var foreign = new ObjectKey("eu-1", ns, "web-tls");
        Cluster.PutSecret(foreign, new() { ["tls.crt"] = "SOMEONE ELSE'S" });
        Cluster.UnreachableClusters["us-1"] = true;
        try
        {
            await Grain("bank").SyncAsync(Fleet("bank", ns));
            await Eventually(() => Task.FromResult(Cluster.Certificates.ContainsKey(HomeKey("bank"))), ok => ok, "the home Certificate");
            Issue("bank", 1);
            await Grain("bank").HomeCertificateChangedAsync(HomeKey("bank"));

            var status = await CopiesCurrentAsync("bank", "1/3");
            Assert.Equal(CertFleetReasons.CopiesNotCurrent, status!.Conditions![0].Reason);
            Assert.Contains("left alone", status.Copies!.Single(c => c.Cluster == "eu-1").Error);
            Assert.Contains("no answer", status.Copies!.Single(c => c.Cluster == "us-1").Error);
            Assert.Null(status.Copies!.Single(c => c.Cluster == Home).Error);
            Assert.Equal("SOMEONE ELSE'S", Cluster.Secrets[foreign].GetString("tls.crt"));

            // Back online: the retry (with backoff) writes it.
            Cluster.UnreachableClusters.TryRemove("us-1", out _);
            await fixture.WhileTimePasses(() => CopiesCurrentAsync("bank", "2/3"));
            Assert.Equal("KEY-1", Cluster.Secrets[new ObjectKey("us-1", ns, "web-tls")].GetString(SecretKeys.TlsPrivateKey));
            Assert.Equal("SOMEONE ELSE'S", Cluster.Secrets[foreign].GetString("tls.crt"));
        }
        finally
        {
            Cluster.UnreachableClusters.TryRemove("us-1", out _);
        }
    }

    [Fact]
    public async Task An_invalid_spec_gets_a_condition_and_an_event_naming_the_field_and_nothing_is_issued()
    {
        var ns = NewNamespace();
        UseMembers();
        var fleet = Fleet("broken", ns, placement: p => p with { ClusterSelector = new LabelSelector { MatchExpressions = [new() { Key = "env", Operator = "In" }] } });
        await Grain("broken").SyncAsync(fleet);

        var status = await Eventually(() => Task.FromResult(Status("broken")), s => s is not null, "a status");
        var ready = status!.Conditions![0];
        Assert.Equal(CertFleetReasons.InvalidSpec, ready.Reason);
        Assert.Contains("spec.placement.clusterSelector.matchExpressions[0].values", ready.Message);
        await Eventually(() => Task.FromResult(Cluster.Events.Any(e => e.Object.Name == "broken" && e.Reason == EventReasons.BadConfig
            && e.Message.Contains("spec.placement.clusterSelector.matchExpressions[0].values"))), ok => ok, "a BadConfig Event");
        Assert.False(Cluster.Certificates.ContainsKey(HomeKey("broken")));
        Assert.Empty(await Grain("broken").GetPlacementsAsync());
    }

    [Fact]
    public async Task A_Certificate_of_the_home_name_it_did_not_make_is_left_alone()
    {
        var ns = NewNamespace();
        UseMembers();
        Cluster.Certificates[HomeKey("taken")] = new Certificate { Metadata = new ObjectMeta { Name = HomeKey("taken").Name, Namespace = "cert-manager" } };
        await Grain("taken").SyncAsync(Fleet("taken", ns));

        var status = await Eventually(() => Task.FromResult(Status("taken")), s => s is not null, "a status");
        Assert.Equal(CertFleetReasons.CertificateInUse, status!.Conditions![0].Reason);
        Assert.Null(Cluster.Certificates[HomeKey("taken")].Metadata.Labels);
    }
}
