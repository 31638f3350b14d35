using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The post-issuance chain as a table: an up-to-date Secret, the spec and passwords in, the repairs out.</summary>
public sealed class PostIssuancePoliciesTests
{
    public sealed record Case(
        string Name,
        Func<CertificateSpec, CertificateSpec> Spec,
        Func<SecretData, SecretData> Secret,
        KeystorePasswords Passwords,
        bool FingerprintMatches,
        string[] Repairs)
    {
        public override string ToString() => Name;
    }

    private static readonly KeystorePasswords P12 = new("changeit", null);

    private static CertificateSpec WithPkcs12(CertificateSpec s) =>
        s with { Keystores = new CertificateKeystores { Pkcs12 = new Pkcs12Keystore { Create = true, Password = "changeit" } } };

    public static TheoryData<Case> Cases() =>
    [
        new("as written", s => s, s => s, KeystorePasswords.None, false, []),
        new("controller label removed", s => s, s => s with { Labels = [] }, KeystorePasswords.None, false, [nameof(PostIssuancePolicies.SecretMetadata)]),
        new("issuer annotation edited", s => s, s => s with { Annotations = new(s.Annotations) { [Annotations.IssuerName] = "other" } },
            KeystorePasswords.None, false, [nameof(PostIssuancePolicies.SecretMetadata)]),
        new("secretTemplate label added", s => s with { SecretTemplate = new TemplateMetadata { Labels = new() { ["team"] = "a" } } }, s => s,
            KeystorePasswords.None, false, [nameof(PostIssuancePolicies.SecretMetadata)]),
        new("secretTemplate cert-manager.io annotation is not copied", s => s with { SecretTemplate = new TemplateMetadata { Annotations = new() { ["cert-manager.io/x"] = "y" } } },
            s => s, KeystorePasswords.None, false, []),
        new("PKCS#12 keystore asked for", WithPkcs12, s => s, P12, false, [nameof(PostIssuancePolicies.Keystores)]),
        new("PKCS#12 keystore with the password it was written with", WithPkcs12, s => s, P12, true, []),
        new("PKCS#12 password not known yet", WithPkcs12, s => s, P12 with { Unknown = true }, false, []),
        new("keystores removed from the spec", s => s, s => s with { Data = new(s.Data) { [SecretKeys.Pkcs12Keystore] = [1] } },
            KeystorePasswords.None, false, [nameof(PostIssuancePolicies.Keystores)]),
        new("both", WithPkcs12, s => s with { Labels = [] }, P12, false, [nameof(PostIssuancePolicies.SecretMetadata), nameof(PostIssuancePolicies.Keystores)]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Repairs(Case c)
    {
        using var world = new StepWorld();
        var written = world.IssuedSecret(); // as the issuing step writes it for the spec before the change
        var certificate = world.State.Object! with { Spec = c.Spec(world.State.Object!.Spec) };
        using var inspection = SecretInspection.Of(c.Secret(written));

        var repairs = PostIssuancePolicies.Chain
            .Select(policy => (Name: policy.Method.Name, Repair: policy(new(certificate, inspection, c.Passwords, c.FingerprintMatches ? c.Passwords.Fingerprint() : null))))
            .Where(r => r.Repair is not null)
            .ToList();

        Assert.Equal(c.Repairs, repairs.Select(r => r.Name));
        Assert.Equal(repairs.Count, PostIssuancePolicies.Evaluate(new(certificate, inspection, c.Passwords, c.FingerprintMatches ? c.Passwords.Fingerprint() : null)).Count);
        foreach (var (name, repair) in repairs)
        {
            Assert.Equal(written.Key, repair!.Secret.Key);
            Assert.Equal(Labels.True, repair.Secret.Labels[Labels.ControllerFao]);
            if (name == nameof(PostIssuancePolicies.Keystores))
            {
                Assert.Equal(c.Passwords, repair.Keystores);
                Assert.Equal(c.Passwords.Pkcs12 is not null, repair.Secret.Data.ContainsKey(SecretKeys.Pkcs12Keystore));
                Assert.Equal(PostIssuancePolicies.KeystoresUpdatedEventReason, repair.Event?.Reason);
            }
            else
                Assert.Empty(repair.Secret.Data); // metadata only: the certificate and key stay as they are
        }
    }

    [Fact]
    public async Task RepairAppliesEachRepairAndRemembersTheSecretVersion()
    {
        using var world = new StepWorld();
        var written = world.IssuedSecret();
        world.Secrets["web-tls"] = written with { Labels = [] };
        using var inspection = SecretInspection.Of(world.Secrets["web-tls"]);

        await PostIssuancePolicies.RepairAsync(world.Pass(), inspection);

        Assert.Equal(["apply-secret web-tls data="], world.Actions);
        Assert.Equal(world.Secrets["web-tls"].ResourceVersion, world.State.SecretResourceVersion);

        world.Actions.Clear();
        using var repaired = SecretInspection.Of(written);
        await PostIssuancePolicies.RepairAsync(world.Pass(), repaired);
        Assert.Empty(world.Actions);
        Assert.Equal(written.ResourceVersion, world.State.SecretResourceVersion);
    }
}
