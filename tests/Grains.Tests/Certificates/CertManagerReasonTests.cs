using CertFleet.Grains.Certificates;
using CertFleet.Grains.Issuance;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>
/// Event reasons of cert-manager's Certificate controllers, each where the same situation arises here:
/// KeystorePasswordSecretNotFound, Deleted (a next key dropped because the spec changed), RequestFailed, ARIError.
/// </summary>
public sealed class CertManagerReasonTests
{
    public static TheoryData<string, bool, bool, string?> KeystoreCases() => new()
    {
        // store, password Secret exists, its key exists, expected Event (null: none)
        { "PKCS12", false, false, "event Warning KeystorePasswordSecretNotFound: PKCS12 keystore password Secret \"p12-password\" not found (spec.keystores.pkcs12.passwordSecretRef)" },
        { "JKS", false, false, "event Warning KeystorePasswordSecretNotFound: JKS keystore password Secret \"p12-password\" not found (spec.keystores.jks.passwordSecretRef)" },
        { "PKCS12", true, false, "event Warning BadConfig: spec.keystores.pkcs12.passwordSecretRef: Secret \"p12-password\" key \"password\" not found" },
        { "PKCS12", true, true, null },
    };

    [Theory]
    [MemberData(nameof(KeystoreCases))]
    public async Task AKeystorePasswordSecretThatIsMissingIsNamedInAWarning(string store, bool secretExists, bool keyExists, string? expectedEvent)
    {
        var reference = new SecretKeySelector { Name = "p12-password", Key = "password" };
        using var world = new StepWorld(StepWorld.Certificate(s => s with
        {
            Keystores = store == "JKS"
                ? new CertificateKeystores { Jks = new JksKeystore { Create = true, PasswordSecretRef = reference } }
                : new CertificateKeystores { Pkcs12 = new Pkcs12Keystore { Create = true, PasswordSecretRef = reference } },
        }));
        if (secretExists)
            world.Secrets["p12-password"] = new SecretData
            {
                Key = StepWorld.CertificateKey.WithName("p12-password"),
                Data = keyExists ? new() { ["password"] = "changeit"u8.ToArray() } : new() { ["other"] = "x"u8.ToArray() },
            };

        var passwords = await KeystorePasswordSource.ReadAsync(world.Pass());

        var events = world.Actions.Where(a => a.StartsWith("event", StringComparison.Ordinal)).ToList();
        if (expectedEvent is null)
            Assert.Empty(events);
        else
            Assert.StartsWith(expectedEvent, Assert.Single(events), StringComparison.Ordinal);
        Assert.Equal(keyExists ? "changeit" : null, store == "JKS" ? passwords.Jks : passwords.Pkcs12);
    }

    public static TheoryData<string?, string[], string?> AbandonCases() => new()
    {
        // next key Secret, changed fields, expected Event (null: none)
        { "web-abcde", ["spec.dnsNames", "spec.privateKey"], "event Normal Deleted: Regenerating private key due to change in fields: [spec.dnsNames, spec.privateKey]" },
        { null, ["spec.dnsNames"], null }, // no key made yet: nothing deleted
        { "web-abcde", [], null }, // abandoned for a CA's Retry-After, not a spec change
    };

    [Theory]
    [MemberData(nameof(AbandonCases))]
    public async Task ANextKeyDroppedBecauseTheSpecChangedIsAnnounced(string? nextKeySecret, string[] changed, string? expectedEvent)
    {
        using var world = new StepWorld();
        world.State.Issuance = new IssuanceProgress
        {
            Revision = 1, Reason = "DoesNotExist", Message = "Issuing certificate as Secret does not exist",
            For = IssuedForBuilder.From(world.State.Object!.Spec), NextPrivateKeySecretName = nextKeySecret,
        };

        await IssuingStep.AbandonAsync(world.Pass(), changed);

        Assert.Null(world.State.Issuance);
        Assert.Equal(nextKeySecret is not null, world.Has($"delete Secret {nextKeySecret}"));
        var events = world.Actions.Where(a => a.StartsWith("event", StringComparison.Ordinal)).ToList();
        if (expectedEvent is null)
            Assert.Empty(events);
        else
            Assert.Equal(expectedEvent, Assert.Single(events));
    }

    [Fact]
    public async Task AChangedSpecUnderAnIssuanceDropsItsKeyWithTheDeletedEvent()
    {
        using var world = new StepWorld();
        world.State.Issuance = new IssuanceProgress
        {
            Revision = 1, Reason = "DoesNotExist", Message = "Issuing certificate as Secret does not exist",
            For = IssuedForBuilder.From(StepWorld.Certificate(s => s with { DnsNames = ["old.example.test"] }).Spec), NextPrivateKeySecretName = "web-abcde",
        };
        world.State.Step = IssuanceStep.KeyStored;

        await CertificateReconcile.RunAsync(world.Pass());

        Assert.Contains("event Normal Deleted: Regenerating private key due to change in fields: [spec.dnsNames]", world.Actions);
    }

    [Fact]
    public async Task ACertificateRequestThatCannotBeCreatedGetsTheRequestFailedWarning()
    {
        using var world = new StepWorld { CreateRequestFailure = new ClusterWriteException("namespaces \"ns\" is being terminated") { StatusCode = 403 } };
        var issuance = new IssuanceProgress
        {
            Revision = 1, Reason = "DoesNotExist", Message = "Issuing certificate as Secret does not exist",
            For = IssuedForBuilder.From(world.State.Object!.Spec),
        };
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));

        await Assert.ThrowsAsync<ClusterWriteException>(() => RequestStep.CreateAsync(world.Pass(), issuance, key));

        Assert.Contains("event Warning RequestFailed: Failed to create CertificateRequest \"web-1\": namespaces \"ns\" is being terminated", world.Actions);
        Assert.Null(issuance.RequestName);
    }

    public static TheoryData<string, string?, string, string?, bool> AriCases() => new()
    {
        // previous serial, previous error, next serial, next error, Event expected
        { "01", null, "01", "the CA answered 500", true },
        { "01", "the CA answered 500", "01", "the CA answered 500", false },
        { "01", "the CA answered 500", "01", "connection refused", true },
        { "01", "the CA answered 500", "02", "the CA answered 500", true },
        { "01", "the CA answered 500", "01", null, false },
    };

    [Theory]
    [MemberData(nameof(AriCases))]
    public void ARenewalInformationErrorIsAnnouncedOnceAsARIError(string previousSerial, string? previousError, string nextSerial, string? nextError, bool expected)
    {
        using var world = new StepWorld();

        RenewalInfoStep.ReportError(world, new RenewalSuggestion { SerialHex = previousSerial, LastError = previousError },
            new RenewalSuggestion { SerialHex = nextSerial, LastError = nextError });

        var events = world.Actions.Where(a => a.StartsWith("event Warning ARIError: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected ? 1 : 0, events.Count);
        if (expected)
            Assert.Contains($"serial {nextSerial}: {nextError}", events[0]);
    }
}
