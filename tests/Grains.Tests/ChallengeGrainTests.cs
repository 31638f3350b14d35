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
        var solver = new AcmeChallengeSolver
        {
            Dns01 = new AcmeDns01Solver
            {
                Route53 = new AcmeDns01Route53
                {
                    Role = "arn:aws:iam::123456789012:role/dns01",
                    Auth = new AcmeDns01Route53Auth
                    {
                        Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = "route53" } },
                    },
                },
            },
        };
        var work = new ChallengeWork
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

        await fixture.Grains.GetGrain<IChallengeGrain>(key.ToGrainKey()).StartAsync(work);

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
}
