using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The Certificate's side of rate-limit budgets and duplicate detection, as tables.</summary>
public sealed class BudgetsAndDuplicatesTests
{
    private static IssuanceProgress Issuance(StepWorld world) => new()
    {
        Revision = 1, Reason = "DoesNotExist", Message = "Issuing certificate as Secret does not exist",
        For = IssuedForBuilder.From(world.State.Object!.Spec),
    };

    public static TheoryData<string, bool, bool, bool, string[]> BudgetCases() => new()
    {
        // case, ACME issuer, budget spent, waited before, expected actions
        { "CA issuer: no budgets", false, false, false, ["grain: issuer Issuer/ca"] },
        { "ACME with room", true, false, false, ["grain: issuer Issuer/ca", "grain: budgets renewal=False"] },
        {
            "ACME, budget spent", true, true, false,
            ["grain: issuer Issuer/ca", "grain: budgets renewal=False", "save None", "event Warning RateLimited", "status Ready=False/RateLimited Issuing=True/RateLimited", "wake 02:00:00 every 00:01:00"]
        },
        {
            "ACME, still spent: no second Event", true, true, true,
            ["grain: issuer Issuer/ca", "grain: budgets renewal=False", "save None", "status Ready=False/RateLimited Issuing=True/RateLimited", "wake 02:00:00 every 00:01:00"]
        },
        {
            "ACME, the wait is over", true, false, true,
            ["grain: issuer Issuer/ca", "grain: budgets renewal=False", "status Ready=False/DoesNotExist Issuing=True/DoesNotExist"]
        },
    };

    [Theory]
    [MemberData(nameof(BudgetCases))]
    public async Task ConsultsTheBudgetsBeforeOrdering(string name, bool acme, bool spent, bool waited, string[] actions)
    {
        using var world = new StepWorld();
        if (acme)
            world.Issuer = StepWorld.AcmeIssuer();
        var wait = new RateLimitWait("certificatesPerRegisteredDomain", "example.test", StepWorld.Start.AddHours(2), null);
        if (spent)
            world.BudgetWait = wait;
        if (waited)
            world.State.RateLimitWait = wait;

        var allowed = await BudgetsStep.AllowOrderAsync(world.Pass(), Issuance(world));

        Assert.Equal(!spent, allowed);
        Assert.Equal(actions.Length, world.Actions.Count);
        foreach (var (expected, actual) in actions.Zip(world.Actions))
            Assert.StartsWith(expected, actual);
        Assert.Equal(spent ? wait : null, world.State.RateLimitWait);
        Assert.True(name.Length > 0);
    }

    [Theory]
    [InlineData(null, "grain: budgets renewal=False replaces=False")]
    [InlineData("aYQicxVlIwTKJkOq.AIdlQyE", "grain: budgets renewal=False replaces=True")]
    public async Task AnIssuanceThatReplacesACertificateByARIAsksTheBudgetsAsAnARIRenewal(string? replaces, string expected)
    {
        using var world = new StepWorld { Issuer = StepWorld.AcmeIssuer() };

        Assert.True(await BudgetsStep.AllowOrderAsync(world.Pass(), Issuance(world) with { Replaces = replaces }));

        Assert.Contains(expected, world.Actions);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(1, "web.example.test", true)]
    [InlineData(1, "old.example.test", false)]
    public void ARenewalAsksForTheIdentifiersAlreadyIssued(int? revision, string? issuedName, bool renewal)
    {
        using var world = new StepWorld();
        world.State.Revision = revision;
        world.State.IssuedFor = issuedName is null ? null : new IssuedFor { DnsNames = [issuedName] };
        Assert.Equal(renewal, BudgetsStep.IsRenewal(world.State, IssuedForBuilder.From(world.State.Object!.Spec)));
    }

    public static TheoryData<string, Action<StepWorld>, bool, string[], int> DuplicateCases() => new()
    {
        // case, arrange, issuer already asked in the pass, expected grain calls (prefixes), duplicates after
        { "first time, CA issuer", _ => { }, false, ["grain: issuer"], 0 },
        { "first time, ACME, alone", w => w.Issuer = StepWorld.AcmeIssuer(), false, ["grain: issuer", "grain: hold acme.example.test/"], 0 },
        {
            "first time, ACME, another holder", w => { w.Issuer = StepWorld.AcmeIssuer(); w.IdentifierSetHolders = [new ObjectKey("c", "ns", "twin")]; },
            false, ["grain: issuer", "grain: hold acme.example.test/"], 1
        },
        { "unchanged: nobody asked", w => w.State.IdentifierSetFor = DuplicatesStep.TrackedFor(IssuedForBuilder.From(w.State.Object!.Spec)), false, [], 0 },
        {
            "unchanged but woken: asked again", w =>
            {
                w.State.IdentifierSetFor = DuplicatesStep.TrackedFor(IssuedForBuilder.From(w.State.Object!.Spec));
                w.Memory.Woken = true;
            },
            false, ["grain: issuer"], 0
        },
        {
            "unchanged, issuer asked anyway in this pass: the set is checked with it", w =>
            {
                w.State.IdentifierSetFor = DuplicatesStep.TrackedFor(IssuedForBuilder.From(w.State.Object!.Spec));
                w.Issuer = StepWorld.AcmeIssuer();
            },
            true, ["grain: issuer", "grain: hold acme.example.test/"], 0
        },
        {
            "the issuer stopped being ACME: the set is left", w =>
            {
                w.State.IdentifierSetKey = "acme.example.test/web.example.test";
                w.State.IdentifierSetFor = "old";
            },
            false, ["grain: issuer", "grain: drop acme.example.test/web.example.test"], 0
        },
    };

    [Theory]
    [MemberData(nameof(DuplicateCases))]
    public async Task TracksTheIdentifierSet(string name, Action<StepWorld> arrange, bool askedBefore, string[] calls, int duplicates)
    {
        using var world = new StepWorld();
        arrange(world);
        var pass = world.Pass();
        if (askedBefore)
            await pass.IssuerAsync();

        await DuplicatesStep.TrackAsync(pass, IssuedForBuilder.From(world.State.Object!.Spec));

        var grainCalls = world.Actions.Where(a => a.StartsWith("grain:", StringComparison.Ordinal)).ToList();
        Assert.Equal(calls.Length, grainCalls.Count);
        foreach (var (expected, actual) in calls.Zip(grainCalls))
            Assert.StartsWith(expected, actual);
        Assert.Equal(duplicates, world.State.Duplicates.Count);
        Assert.Equal(duplicates > 0, world.Has("event Warning DuplicateCertificate"));
        Assert.False(world.Memory.Woken);
        Assert.Equal(DuplicatesStep.TrackedFor(IssuedForBuilder.From(world.State.Object!.Spec)), world.State.IdentifierSetFor);
        Assert.True(name.Length > 0);
    }
}
