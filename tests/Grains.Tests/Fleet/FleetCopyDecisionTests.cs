using System.Text;
using CertFleet.Grains.Fleet;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests.Fleet;

/// <summary>What happens to one placed copy: written, left current, refused (someone else's Secret), deleted or kept.</summary>
public sealed class FleetCopyDecisionTests
{
    private static readonly ObjectKey CopyKey = new("eu-1", "apps", "web-tls");

    private static readonly SecretData Home = new()
    {
        Key = new ObjectKey("home", "cert-manager", "fleet-web"),
        Type = SecretKeys.TlsSecretType,
        Data = new()
        {
            [SecretKeys.TlsCertificate] = Encoding.UTF8.GetBytes("CHAIN-1"),
            [SecretKeys.TlsPrivateKey] = Encoding.UTF8.GetBytes("KEY-1"),
            [SecretKeys.CaCertificate] = Encoding.UTF8.GetBytes("CA"),
        },
        Labels = new() { [Labels.ControllerFao] = Labels.True },
        Annotations = new() { [Annotations.CertificateName] = "fleet-web", [Annotations.IssuerName] = "ca" },
    };

    private static SecretData Desired => FleetCopies.Build(Home, CopyKey, "web");

    private static SecretData Existing(Func<SecretData, SecretData> change) => change(Desired with { ResourceVersion = "7" });

    public static TheoryData<string, SecretData?, FleetCopyAction, string[]> Cases => new()
    {
        { "no Secret yet: written", null, FleetCopyAction.Write, [] },
        { "our copy, identical: current", Existing(s => s), FleetCopyAction.Current, [] },
        {
            "our copy, edited by hand: restored",
            Existing(s => s with { Data = new(s.Data) { [SecretKeys.TlsCertificate] = Encoding.UTF8.GetBytes("TAMPERED") } }),
            FleetCopyAction.Write, []
        },
        {
            "our copy, an old certificate (renewal): updated",
            Existing(s => s with { Data = new(s.Data) { [SecretKeys.TlsPrivateKey] = Encoding.UTF8.GetBytes("KEY-0") } }),
            FleetCopyAction.Write, []
        },
        {
            "our copy with a key the home Secret no longer has: updated, the key removed",
            Existing(s => s with { Data = new(s.Data) { [SecretKeys.CombinedPem] = Encoding.UTF8.GetBytes("OLD") } }),
            FleetCopyAction.Write, [SecretKeys.CombinedPem]
        },
        {
            "our copy, an annotation changed: restored",
            Existing(s => s with { Annotations = new(s.Annotations) { [Annotations.IssuerName] = "other" } }),
            FleetCopyAction.Write, []
        },
        {
            "our copy, the controller label removed: restored",
            Existing(s => s with { Labels = new(s.Labels.Where(l => l.Key != Labels.ControllerFao).ToDictionary()) }),
            FleetCopyAction.Write, []
        },
        {
            "a Secret of that name without the ownership label: refused",
            Existing(s => s with { Labels = new() }),
            FleetCopyAction.Refuse, []
        },
        {
            "another FleetCertificate's copy: refused",
            Existing(s => s with { Labels = new(s.Labels) { [FleetNames.FleetCertificateLabel] = "other" } }),
            FleetCopyAction.Refuse, []
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Copy_decision(string _, SecretData? existing, FleetCopyAction expected, string[] removeKeys)
    {
        var decision = FleetCopies.Decide(existing is null ? null : existing with { Key = CopyKey }, Desired, "web");
        Assert.Equal(expected, decision.Action);
        Assert.Equal(removeKeys, decision.RemoveKeys);
        if (expected == FleetCopyAction.Refuse)
            Assert.Contains("left alone", decision.Refusal);
    }

    public static TheoryData<string, SecretData?, bool> Removals => new()
    {
        { "our copy: deleted", Existing(s => s), true },
        { "already gone: nothing to delete", null, false },
        { "the label removed by someone (taken over): kept", Existing(s => s with { Labels = new() }), false },
        { "relabelled to another FleetCertificate: kept", Existing(s => s with { Labels = new() { [FleetNames.FleetCertificateLabel] = "other" } }), false },
    };

    [Theory]
    [MemberData(nameof(Removals))]
    public void Only_copies_carrying_the_label_are_deleted(string _, SecretData? existing, bool deleted) =>
        Assert.Equal(deleted, FleetCopies.MayDelete(existing, "web"));

    [Fact]
    public void A_copy_is_the_home_Secret_plus_the_ownership_label()
    {
        var copy = Desired;
        Assert.Equal(CopyKey, copy.Key);
        Assert.Equal(Home.Type, copy.Type);
        Assert.Equal(Home.Data.Keys.Order(), copy.Data.Keys.Order());
        Assert.All(Home.Data, entry => Assert.Equal(entry.Value, copy.Data[entry.Key]));
        Assert.Equal(Home.Annotations, copy.Annotations);
        Assert.Equal("web", copy.Labels[FleetNames.FleetCertificateLabel]);
        Assert.Equal(Labels.True, copy.Labels[Labels.ControllerFao]);
    }
}
