using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The trigger step as a table: state and Secret in, the decision, the issuer calls and the ARI state out.</summary>
public sealed class TriggerStepTests
{
    public sealed record Case(
        string Name,
        Action<StepWorld> Arrange,
        string Decision,
        string? Reason,
        int IssuerCalls,
        bool RenewalInfoKnown = true)
    {
        public override string ToString() => Name;
    }

    private static void Issued(StepWorld world, TimeSpan? lifetime = null)
    {
        var secret = world.IssuedSecret(lifetime);
        using var inspection = SecretInspection.Of(secret);
        world.State.IssuedFor = IssuedForBuilder.From(world.State.Object!.Spec);
        world.State.RenewalInfo = new RenewalSuggestion { SerialHex = inspection.Certificate!.SerialHex };
    }

    private static void Failed(StepWorld world, Certificate forWhat, TimeSpan ago)
    {
        world.State.FailedIssuanceAttempts = 1;
        world.State.LastFailureTime = StepWorld.Start - ago;
        world.State.FailedFor = IssuedForBuilder.From(forWhat.Spec);
    }

    public static TheoryData<Case> Cases() =>
    [
        new("no Secret: issue", _ => { }, nameof(TriggerDecision.Issue), CertificateReasons.DoesNotExist, 0),
        new("up to date, ARI known: no issuer call", w => Issued(w), nameof(TriggerDecision.UpToDate), null, 0),
        new("up to date, first sight of the certificate: the issuer is asked once about ARI",
            w => { Issued(w); w.State.RenewalInfo = null; }, nameof(TriggerDecision.UpToDate), null, 1),
        new("first sight under an ACME issuer: ARI tracked",
            w => { Issued(w); w.State.RenewalInfo = null; w.Issuer = StepWorld.AcmeIssuer(); }, nameof(TriggerDecision.UpToDate), null, 1),
        new("manual renewal by cmctl renew",
            w =>
            {
                Issued(w);
                w.State.Object = w.State.Object! with
                {
                    Status = new CertificateStatus
                    {
                        Conditions = [new Condition { Type = ConditionTypes.Issuing, Status = ConditionStatus.True, Reason = CertificateReasons.ManuallyTriggered }],
                    },
                };
            }, nameof(TriggerDecision.Issue), CertificateReasons.ManuallyTriggered, 0),
        new("renewal due", w => Issued(w, TimeSpan.FromMinutes(75)), nameof(TriggerDecision.Issue), CertificateReasons.Renewing, 0),
        new("failed an hour ago for this spec: back off",
            w => Failed(w, w.State.Object!, TimeSpan.FromMinutes(10)), nameof(TriggerDecision.BackOff), null, 0),
        new("failed for another spec: issue at once",
            w => Failed(w, StepWorld.Certificate(s => s with { DnsNames = ["old.example.test"] }), TimeSpan.FromMinutes(10)),
            nameof(TriggerDecision.Issue), CertificateReasons.DoesNotExist, 0),
        new("failed long ago: the backoff is over",
            w => Failed(w, w.State.Object!, TimeSpan.FromHours(3)), nameof(TriggerDecision.Issue), CertificateReasons.DoesNotExist, 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Decides(Case c)
    {
        using var world = new StepWorld();
        c.Arrange(world);
        using var inspection = SecretInspection.Of(world.Secrets.GetValueOrDefault("web-tls"));

        var decision = await TriggerStep.DecideAsync(world.Pass(), inspection, IssuedForBuilder.From(world.State.Object!.Spec));

        Assert.Equal(c.Decision, decision.GetType().Name);
        if (c.Reason is not null)
            Assert.Equal(c.Reason, Assert.IsType<TriggerDecision.Issue>(decision).Trigger.Reason);
        Assert.Equal(c.IssuerCalls, world.Actions.Count(a => a.StartsWith("grain: issuer", StringComparison.Ordinal)));
        Assert.Equal(world.Issuer.Acme is not null && c.IssuerCalls > 0, world.Has("grain: track-renewal-info"));
        if (inspection.Certificate is { } leaf && decision is TriggerDecision.UpToDate)
            Assert.Equal(leaf.SerialHex, world.State.RenewalInfo?.SerialHex);
    }

    [Fact]
    public async Task BackOffEndsAfterTheBackoffDelay()
    {
        using var world = new StepWorld();
        Failed(world, world.State.Object!, TimeSpan.FromMinutes(10));
        using var inspection = SecretInspection.Of(null);

        var decision = await TriggerStep.DecideAsync(world.Pass(), inspection, IssuedForBuilder.From(world.State.Object!.Spec));

        var backOff = Assert.IsType<TriggerDecision.BackOff>(decision);
        Assert.Equal(IssuanceBackoff.Default.RetryAt(1, world.State.LastFailureTime), backOff.RetryAt);
        Assert.Equal(CertificateReasons.DoesNotExist, backOff.NotReady?.Reason);
    }
}
