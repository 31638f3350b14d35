using System.Text;
using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>The key step as a table: where the next key is (memory, its Secret, nowhere) in, the actions and the step out.</summary>
public sealed class NextKeyStepTests
{
    private static IssuanceProgress Issuance(string? keySecret = null, string? request = null) => new()
    {
        Revision = 1, Reason = "DoesNotExist", Message = "m", For = new IssuedFor(),
        NextPrivateKeySecretName = keySecret, RequestName = request, CsrPem = request is null ? null : "csr",
    };

    public static TheoryData<string, string, string[]> Cases() => new()
    {
        // where the key is, expected event reason (or "" for none), expected actions (prefixes)
        { "nowhere", EventReasons.Generated, ["create-secret web-", "save KeyStored", "event Normal Generated"] },
        { "memory", "", [] },
        { "memory, reused from the Secret (rotationPolicy Never)", EventReasons.Reused, ["create-secret web-", "save KeyStored", "event Normal Reused"] },
        { "its Secret", "", [] },
        { "its Secret, gone", EventReasons.Generated, ["create-secret web-", "save KeyStored", "event Normal Generated"] },
        { "its Secret, undecodable", EventReasons.Generated, ["event Warning DecodeFailed", "create-secret web-", "save KeyStored", "event Normal Generated"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EnsuresTheNextKey(string where, string eventReason, string[] actions)
    {
        using var world = new StepWorld();
        using var known = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        var issuance = Issuance();
        world.State.Step = IssuanceStep.Started;
        switch (where)
        {
            case "memory":
                issuance = Issuance("web-key", "web-1");
                world.State.Step = IssuanceStep.RequestCreated;
                world.Memory.KeepNextKey(PrivateKey.FromPem(known.ToPem(PrivateKeyEncodings.Pkcs8)));
                break;
            case "memory, reused from the Secret (rotationPolicy Never)":
                world.Memory.KeepNextKey(PrivateKey.FromPem(known.ToPem(PrivateKeyEncodings.Pkcs8)));
                break;
            case "its Secret":
                issuance = Issuance("web-key", "web-1");
                world.State.Step = IssuanceStep.RequestCreated;
                world.Secrets["web-key"] = new SecretData { Key = StepWorld.CertificateKey.WithName("web-key"), Data = new() { [SecretKeys.TlsPrivateKey] = Encoding.UTF8.GetBytes(known.ToPem(PrivateKeyEncodings.Pkcs8)) } };
                break;
            case "its Secret, gone":
                issuance = Issuance("web-key", "web-1");
                world.State.Step = IssuanceStep.RequestCreated;
                break;
            case "its Secret, undecodable":
                issuance = Issuance("web-key", "web-1");
                world.State.Step = IssuanceStep.RequestCreated;
                world.Secrets["web-key"] = new SecretData { Key = StepWorld.CertificateKey.WithName("web-key"), Data = new() { [SecretKeys.TlsPrivateKey] = "not a key"u8.ToArray() } };
                break;
        }
        world.State.Issuance = issuance;

        var key = await NextKeyStep.EnsureAsync(world.Pass(), issuance);

        Assert.Equal(actions.Length, world.Actions.Count);
        foreach (var (expected, actual) in actions.Zip(world.Actions))
            Assert.StartsWith(expected, actual);
        Assert.Same(world.Memory.NextKey, key);
        var kept = where is "memory" or "its Secret";
        Assert.Equal(kept || where.StartsWith("memory", StringComparison.Ordinal),
            key.ToPem(PrivateKeyEncodings.Pkcs8) == known.ToPem(PrivateKeyEncodings.Pkcs8));
        Assert.Equal(kept ? IssuanceStep.RequestCreated : IssuanceStep.KeyStored, world.State.Step);
        Assert.NotNull(issuance.NextPrivateKeySecretName);
        Assert.Equal(kept ? "web-1" : null, issuance.RequestName); // a new key cannot use the old request
        if (eventReason.Length > 0)
            Assert.Contains(world.Actions, a => a.StartsWith($"event Normal {eventReason}", StringComparison.Ordinal));
    }

    public static TheoryData<string?, bool, bool, bool> ReuseCases() => new()
    {
        // rotationPolicy, Secret's key fits the spec, key reused, CannotRegenerateKey event
        { null, true, false, false },
        { PrivateKeyRotationPolicies.Always, true, false, false },
        { PrivateKeyRotationPolicies.Never, true, true, false },
        { PrivateKeyRotationPolicies.Never, false, false, true },
    };

    [Theory]
    [MemberData(nameof(ReuseCases))]
    public void ReusesTheSecretsKeyOnlyWithRotationPolicyNever(string? policy, bool fits, bool reused, bool warned)
    {
        using var world = new StepWorld(StepWorld.Certificate(s => s with { PrivateKey = new CertificatePrivateKey { Algorithm = "ECDSA", RotationPolicy = policy } }));
        var issuedWith = fits ? world.State.Object! : StepWorld.Certificate(s => s with { PrivateKey = new CertificatePrivateKey { Algorithm = "RSA", Size = 2048 } });
        var secret = world.IssuedSecret(issuedFor: issuedWith with { Spec = issuedWith.Spec with { SecretName = "web-tls" } });
        using var inspection = SecretInspection.Of(secret);

        var pem = NextKeyStep.ReusableKey(world.Pass(), inspection);

        Assert.Equal(reused, pem is not null);
        Assert.Equal(warned, world.Has($"event Warning {EventReasons.CannotRegenerateKey}"));
    }
}
