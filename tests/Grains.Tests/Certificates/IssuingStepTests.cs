using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The issuing step as a table: the request's final outcome in, the Secret, the recorded result and the actions out.</summary>
public sealed class IssuingStepTests
{
    public sealed record Case(string Name, Func<StepWorld, PrivateKey, RequestOutcome> Outcome, string Result, string? FailureReason)
    {
        public override string ToString() => Name;
    }

    private static RequestOutcome Issued(StepWorld world, PrivateKey key, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        var issued = world.Sign(world.State.Object!, key, lifetime, notBefore);
        return new RequestOutcome { State = RequestState.Issued, ChainPem = issued.ChainPem, CaPem = issued.CaPem };
    }

    public static TheoryData<Case> Cases() =>
    [
        new("issued", (w, k) => Issued(w, k), "stored", null),
        new("issued for another key", (w, _) =>
        {
            using var other = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
            return Issued(w, other);
        }, "failed", CertificateReasons.InvalidCertificate),
        new("issued but unparseable", (_, _) => new RequestOutcome { State = RequestState.Issued, ChainPem = "garbage" }, "failed", CertificateReasons.InvalidCertificate),
        new("issued but expired", (w, k) => Issued(w, k, TimeSpan.FromHours(1), StepWorld.Start - TimeSpan.FromHours(3)), "failed", CertificateReasons.InvalidCertificate),
        new("failed", (_, _) => new RequestOutcome { State = RequestState.Failed, Message = "CA said no" }, "failed", CertificateReasons.Failed),
        new("denied", (_, _) => new RequestOutcome { State = RequestState.Denied, Message = "approver said no" }, "failed", CertificateReasons.Denied),
        new("CA asked to wait", (_, _) => new RequestOutcome { State = RequestState.Failed, RetryAt = StepWorld.Start.AddHours(1) }, "abandoned", null),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Finishes(Case c)
    {
        using var world = new StepWorld();
        var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        world.Memory.KeepNextKey(key);
        world.State.Revision = 1;
        world.State.Object = world.State.Object! with { Spec = world.State.Object.Spec with { RevisionHistoryLimit = 1 } };
        var issuance = new IssuanceProgress
        {
            Revision = 2, Reason = "Renewing", Message = "m", For = IssuedForBuilder.From(world.State.Object.Spec),
            NextPrivateKeySecretName = "web-key", RequestName = "web-2", Outcome = c.Outcome(world, key),
        };
        world.State.Issuance = issuance;
        world.State.Step = IssuanceStep.OutcomeKnown;

        await IssuingStep.FinishAsync(world.Pass(), issuance, key);

        Assert.Null(world.State.Issuance);
        Assert.Equal(IssuanceStep.None, world.State.Step);
        Assert.Null(world.Memory.NextKey);
        Assert.Equal(c.FailureReason, world.State.LastFailureReason);
        switch (c.Result)
        {
            case "stored":
                Assert.Equal(["apply-secret web-tls data=ca.crt,tls.crt,tls.key", "grain: issuer Issuer/ca", "save None", "delete Secret web-key",
                    "event Normal Issuing: The certificate has been successfully issued", "status Ready=True/Ready",
                    "delete CertificateRequest web-1", $"sleep {world.State.RenewalTime - StepWorld.Start}"], world.Actions);
                Assert.Equal(world.State.NotAfter!.Value - TimeSpan.FromDays(30), world.State.RenewalTime); // cert-manager's default: a third of 90 days
                Assert.Null(Assert.IsType<RenewalSuggestion>(world.State.RenewalInfo).CertId); // a CA issuer: no ARI for the new leaf
                Assert.Equal(2, world.State.Revision);
                Assert.Equal(world.Secrets["web-tls"].ResourceVersion, world.State.SecretResourceVersion);
                Assert.Equal(0, world.State.FailedIssuanceAttempts);
                break;
            case "failed":
                Assert.Equal(1, world.State.FailedIssuanceAttempts);
                Assert.Equal(StepWorld.Start, world.State.LastFailureTime);
                Assert.Equal(1, world.State.Revision);
                Assert.False(world.Secrets.ContainsKey("web-tls"));
                Assert.Equal("save None", world.Actions[0]);
                Assert.Equal("delete Secret web-key", world.Actions[1]);
                Assert.StartsWith($"event Warning Failed: {(c.FailureReason == CertificateReasons.InvalidCertificate ? "The issue" : "The certificate request has failed")}", world.Actions[2]);
                Assert.Equal($"status Ready=False/{c.FailureReason} Issuing=False/{c.FailureReason}", world.Actions[3]);
                Assert.Equal("sleep 01:00:00", world.Actions[4]);
                break;
            case "abandoned":
                Assert.Equal(0, world.State.FailedIssuanceAttempts);
                Assert.Equal(["delete CertificateRequest web-2", "delete Secret web-key", "save None", "grain: forget-request web-2", "reconcile-soon"], world.Actions);
                break;
            default:
                Assert.Fail($"case \"{c.Name}\" names no known result: {c.Result}");
                break;
        }
    }

    [Fact]
    public async Task AReservationAnEarlierVersionRecordedIsGivenBackOnAbandon()
    {
        using var world = new StepWorld();
        world.State.Issuance = new IssuanceProgress
        {
            Revision = 1, Reason = "r", Message = "m", For = new IssuedFor(), RequestName = "web-1",
            Budgets = new BudgetReservation("web#1", ["b"]),
        };
        world.State.Step = IssuanceStep.RequestCreated;

        await IssuingStep.AbandonAsync(world.Pass());

        Assert.Equal(["grain: release-reservation orderPlaced=True", "save RequestCreated", "delete CertificateRequest web-1", "save None"], world.Actions);
    }
}
