using CertFleet.Grains.Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The issuer gate as a table: issuerRef and the issuer's snapshot in, the blocker and the issuer calls out.</summary>
public sealed class IssuerGateTests
{
    public static TheoryData<string, string, IssuerReadiness?, string?, int> Cases() => new()
    {
        // kind, group, readiness (null: ready CA), expected reason, issuer calls
        { "Issuer", "cert-manager.io", null, null, 1 },
        { "ClusterIssuer", "", null, null, 1 },
        { "", "", null, null, 1 },
        { "AWSPCAIssuer", "awspca.cert-manager.io", null, null, 0 }, // an external issuer: nobody asked, its request waits on its controller
        { "StepIssuer", "certmanager.step.sm", new IssuerReadiness(false, false, "", "", ""), null, 0 },
        { "Certificate", "cert-manager.io", null, CertFleetReasons.IssuerNotServed, 0 }, // no such issuer kind in cert-manager.io
        { "Issuer", "", new IssuerReadiness(false, false, "", "", ""), CertFleetReasons.IssuerNotFound, 1 },
        { "Issuer", "", new IssuerReadiness(true, false, "ErrInitIssuer", "no CA Secret", "CA"), CertFleetReasons.IssuerNotReady, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Blocks(string kind, string group, IssuerReadiness? readiness, string? reason, int issuerCalls)
    {
        using var world = new StepWorld(StepWorld.Certificate(s => s with { IssuerRef = new IssuerRef { Name = "ca", Kind = kind, Group = group } }));
        if (readiness is not null)
            world.Issuer = new IssuerSnapshot(readiness, null);
        var pass = world.Pass();

        var blocker = await IssuerGate.BlockerAsync(pass);
        await IssuerGate.BlockerAsync(pass); // asked again in the same pass: no second call

        Assert.Equal(reason, blocker?.Reason);
        Assert.Equal(issuerCalls, world.GrainCalls);
    }

    [Fact]
    public async Task ASpecTheIssuerTypeCannotSignIsInvalid()
    {
        using var world = new StepWorld(StepWorld.Certificate(s => s with { DnsNames = [], CommonName = null, Uris = ["spiffe://example.test/web"] }));
        world.Issuer = StepWorld.AcmeIssuer();

        var blocker = await IssuerGate.BlockerAsync(world.Pass());

        Assert.Equal(CertFleetReasons.InvalidSpec, blocker?.Reason);
    }

    [Fact]
    public async Task WaitingOnTheIssuerSlowsTheReminderAndReadinessRestoresIt()
    {
        using var world = new StepWorld();
        world.State.Issuance = new IssuanceProgress { Revision = 1, Reason = "DoesNotExist", Message = "m", For = new IssuedFor() };
        world.Issuer = new IssuerSnapshot(new IssuerReadiness(true, false, "ErrInitIssuer", "no CA Secret", "CA"), null);

        Assert.False(await IssuerGate.PassAsync(world.Pass(), world.State.Issuance));
        Assert.True(world.Memory.WaitingOnIssuer);
        Assert.Contains("wake 00:10:00 every 00:10:00", world.Actions);
        Assert.Contains(world.Actions, a => a.StartsWith("status Ready=False/IssuerNotReady Issuing=True/DoesNotExist", StringComparison.Ordinal));

        world.Actions.Clear();
        world.Issuer = new StepWorld().Issuer;
        Assert.True(await IssuerGate.PassAsync(world.Pass(), world.State.Issuance));
        Assert.False(world.Memory.WaitingOnIssuer);
        Assert.Contains("wake 00:01:00 every 00:01:00", world.Actions);
    }
}
