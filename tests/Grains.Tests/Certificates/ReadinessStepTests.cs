using CertFleet.Grains.Certificates;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The readiness step as a table: state in, the Ready condition and whether status is written out.</summary>
public sealed class ReadinessStepTests
{
    public static TheoryData<string, Func<StepWorld, PolicyViolation?>, string, string> ReadyCases() => new()
    {
        // case, arrange (returns the readiness violation), expected status, expected message start
        { "up to date", _ => null, ConditionStatus.True, "Certificate is up to date and has not expired" },
        { "not ready", _ => new("Expired", "Certificate expired"), ConditionStatus.False, "Certificate expired" },
        {
            "wildcard without its apex", w =>
            {
                w.State.Object = StepWorld.Certificate(s => s with { DnsNames = ["*.example.test"] });
                return null;
            },
            ConditionStatus.True, "Certificate is up to date and has not expired; note: "
        },
        {
            "duplicates named in this namespace, counted elsewhere", w =>
            {
                w.State.Duplicates = [new ObjectKey("c", "ns", "other"), new ObjectKey("c", "ns2", "x")];
                return null;
            },
            ConditionStatus.True,
            "Certificate is up to date and has not expired; duplicate: Certificate \"other\" and 1 Certificate in another namespace ask the same ACME server for the same identifiers"
        },
        {
            "duplicates in other clusters counted with the clusters' names, never their objects' names", w =>
            {
                w.State.Duplicates =
                [
                    new ObjectKey("c", "ns", "other"), new ObjectKey("c", "ns2", "x"),
                    new ObjectKey("west", "ns", "web"), new ObjectKey("east", "ns", "shop"), new ObjectKey("east", "team", "api"),
                ];
                return null;
            },
            ConditionStatus.True,
            "Certificate is up to date and has not expired; duplicate: Certificate \"other\", 1 Certificate in another namespace and " +
            "3 Certificates in clusters east and west ask the same ACME server for the same identifiers"
        },
        {
            "one duplicate in one other cluster", w =>
            {
                w.State.Duplicates = [new ObjectKey("east", "ns", "web")];
                return null;
            },
            ConditionStatus.True,
            "Certificate is up to date and has not expired; duplicate: 1 Certificate in cluster east asks the same ACME server for the same identifiers"
        },
        {
            "many clusters: five named, the rest counted", w =>
            {
                w.State.Duplicates = [.. Enumerable.Range(1, 7).Select(i => new ObjectKey($"m{i}", "ns", "web"))];
                return null;
            },
            ConditionStatus.True,
            "Certificate is up to date and has not expired; duplicate: 7 Certificates in clusters m1, m2, m3, m4, m5 and 2 more ask the same ACME server for the same identifiers"
        },
    };

    [Theory]
    [MemberData(nameof(ReadyCases))]
    public void ShowsReady(string name, Func<StepWorld, PolicyViolation?> arrange, string status, string message)
    {
        using var world = new StepWorld();
        var notReady = arrange(world);

        var ready = ReadinessStep.Ready(world.Pass(), notReady);

        Assert.Equal(status, ready.Status);
        Assert.StartsWith(message, ready.Message);
        Assert.Equal(notReady?.Reason ?? CertificateReasons.Ready, ready.Reason);
        Assert.Equal(1, ready.ObservedGeneration);
        Assert.True(name.Length > 0);
    }

    [Fact]
    public async Task WritesChangedStatusOnceAndRemembersItsVersion()
    {
        using var world = new StepWorld();
        var pass = world.Pass();
        world.State.Revision = 3;

        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, null), null);
        var firstVersion = world.State.StatusResourceVersion;
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, null), null); // unchanged: not written
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, null), ReadinessStep.Issuing(pass, "Renewing", "renew"));

        Assert.Equal(["status Ready=True/Ready", "status Ready=True/Ready Issuing=True/Renewing"], world.Actions);
        Assert.Equal(3, world.State.WrittenStatus!.Revision);
        Assert.NotNull(firstVersion);
        Assert.True(Interfaces.Ports.ResourceVersions.IsAtOrBelow(firstVersion, world.State.StatusResourceVersion));
        Assert.NotEqual(firstVersion, world.State.StatusResourceVersion);
    }

    [Fact]
    public async Task BlockingKeepsTheIssuanceOnIssuingAndSaysWhyInAnEvent()
    {
        using var world = new StepWorld();
        world.State.Issuance = new IssuanceProgress { Revision = 1, Reason = "Renewing", Message = "renew", For = new IssuedFor() };

        await ReadinessStep.BlockAsync(world.Pass(), CertFleetReasons.SecretInUse, "in use", CertFleetReasons.SecretInUse);

        Assert.Equal(["status Ready=False/SecretInUse Issuing=True/Renewing", "event Warning SecretInUse: in use"], world.Actions);
    }
}
