using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ChallengeGrainTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task MissingRoute53ServiceAccountIsShownOnTheChallengeAndAsAWarning()
    {
        var ns = NewNamespace();
        var key = Key(ns, "web-1-2-3");
        var solver = Route53WithServiceAccount("route53");
        await fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).StartAsync(Work(ns, key, solver));

        var status = await Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)),
            s => s?.Reason?.StartsWith("Error presenting challenge", StringComparison.Ordinal) == true, "the provider error on the Challenge");
        Assert.Contains($"ServiceAccount \"{ns}/route53\" not found", status!.Reason);
        Assert.Contains("route53.auth.kubernetes.serviceAccountRef.name", status.Reason);
        Assert.True(status.Processing);
        var warning = await Eventually(() => Task.FromResult(Cluster.Events.FirstOrDefault(e => e.Object == key && e.Reason == EventReasons.PresentError)),
            e => e is not null, "the PresentError Event");
        Assert.Equal(EventRecord.Warning, warning!.Type);
        Assert.Equal(status.Reason, warning.Message);
    }

    [Fact]
    public async Task AProviderErrorStoredButNeverShownIsShownOnTheNextAttempt()
    {
        var ns = NewNamespace();
        var key = Key(ns, "web-1-2-5");
        var lostBefore = fixture.Storage.AnswersLost;
        // The store keeps the error's reason but the grain hears a timeout, so the status write after it never happens.
        fixture.Storage.LoseAnswerToWrite("challenge", ns, writesToPass: 1);
        var solver = Route53WithServiceAccount("missing");

        await fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).StartAsync(Work(ns, key, solver));

        var status = await fixture.WhileTimePasses(() => Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)),
            s => s?.Reason?.StartsWith("Error presenting challenge", StringComparison.Ordinal) == true, "the stored provider error on the Challenge"));
        Assert.Equal(lostBefore + 1, fixture.Storage.AnswersLost);
        Assert.Contains($"ServiceAccount \"{ns}/missing\" not found", status!.Reason);
        Assert.True(status.Processing);
    }

    [Fact]
    public async Task AmbientCredentialsRefusedForAnIssuerAreShownOnTheChallenge()
    {
        var ns = NewNamespace();
        var key = Key(ns, "web-1-2-4");
        var solver = new AcmeChallengeSolver { Dns01 = new AcmeDns01Solver { Route53 = new AcmeDns01Route53 { Region = "eu-west-1" } } };

        await fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).StartAsync(Work(ns, key, solver));

        var status = await Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)),
            s => s?.Reason?.StartsWith("Error presenting challenge", StringComparison.Ordinal) == true, "the refusal on the Challenge");
        Assert.Contains("route53: an Issuer may not use the controller's ambient AWS credentials", status!.Reason);
        Assert.Contains("CertFleet:Dns01:IssuerAmbientCredentials", status.Reason);
        Assert.True(status.Processing); // retried, not failed: enabling the option or naming keys fixes it
        var warning = await Eventually(() => Task.FromResult(Cluster.Events.FirstOrDefault(e => e.Object == key && e.Reason == EventReasons.PresentError)),
            e => e is not null, "the PresentError Event");
        Assert.Equal(status.Reason, warning!.Message);
    }

    /// <summary>
    /// A Challenge no grain of this controller started (cert-manager made it before the switch; an older cert-manager
    /// spelled its finalizer finalizer.acme.cert-manager.io) is deleted: cert-manager's finalizers go, so the deletion
    /// does not hang; other controllers' finalizers stay theirs.
    /// </summary>
    [Fact]
    public async Task AChallengeCertManagerMadeLosesItsFinalizersWhenDeleted()
    {
        var ns = NewNamespace();
        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(Key(ns, "legacy-1-2-3").ToGrainKey());

        await challenge.DeletedAsync(["example.com/keep", Finalizers.AcmeLegacy, Finalizers.Acme]);

        Assert.Equal(
            [$"challenges/{Key(ns, "legacy-1-2-3")}/{Finalizers.Acme}", $"challenges/{Key(ns, "legacy-1-2-3")}/{Finalizers.AcmeLegacy}"],
            Cluster.RemovedFinalizers.Where(f => f.Contains(ns, StringComparison.Ordinal)));

        // Gone (no finalizers left): nothing to remove.
        await challenge.DeletedAsync([]);
        Assert.Equal(2, Cluster.RemovedFinalizers.Count(f => f.Contains(ns, StringComparison.Ordinal)));
    }

    /// <summary>A Challenge this controller started is cleaned up on deletion, and a legacy finalizer on it goes too.</summary>
    [Fact]
    public async Task AStartedChallengeIsCleanedUpAndLosesALegacyFinalizerWhenDeleted()
    {
        var ns = NewNamespace();
        var key = Key(ns, "web-1-2-7");
        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey());
        await challenge.StartAsync(Work(ns, key, Route53WithServiceAccount("none")));
        await Eventually(() => Task.FromResult(Cluster.Status<ChallengeStatus>(ResourceKind.Challenge, key)), s => s is not null, "the first step");

        await challenge.DeletedAsync([Finalizers.Acme, Finalizers.AcmeLegacy]);

        Assert.Equal([$"challenges/{key}/{Finalizers.Acme}", $"challenges/{key}/{Finalizers.AcmeLegacy}"],
            Cluster.RemovedFinalizers.Where(f => f.Contains(ns, StringComparison.Ordinal)));
    }

    private static ChallengeWork Work(string ns, ObjectKey key, AcmeChallengeSolver solver) => new()
    {
            Issuer = new AcmeIssuerContext
            {
                Issuer = Key(ns, "letsencrypt"),
                IssuerKind = "Issuer",
                Spec = new AcmeIssuer { Server = "https://acme.invalid/directory" },
                AccountUrl = "https://acme.invalid/acct/1",
                AccountKeySecret = Key(ns, "letsencrypt-account"),
            },
            Order = Key(ns, "web-1-2"),
            ChallengeUid = Guid.NewGuid().ToString(),
            Resource = new Challenge
            {
                Metadata = new ObjectMeta { Name = key.Name, Namespace = ns },
                Spec = new ChallengeSpec
                {
                    Type = ChallengeTypes.Dns01,
                    DnsName = "example.com",
                    Key = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo",
                    Token = "token",
                    Url = "https://acme.invalid/chall/1",
                    AuthorizationUrl = "https://acme.invalid/authz/1",
                    Solver = solver,
                },
            },
        };

    /// <summary>A Route53 solver that assumes a role with a token of the named ServiceAccount.</summary>
    private static AcmeChallengeSolver Route53WithServiceAccount(string serviceAccount) => new()
    {
        Dns01 = new AcmeDns01Solver
        {
            Route53 = new AcmeDns01Route53
            {
                Role = "arn:aws:iam::123456789012:role/dns01",
                Auth = new AcmeDns01Route53Auth
                {
                    Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = serviceAccount } },
                },
            },
        },
    };
}
