using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// cert-manager's account reasons where the same situations arise: ErrVerifyACMEAccount when the key of an account
/// that must exist is missing, ErrUpdateACMEAccount when the CA refuses the changed spec.acme.email.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AcmeAccountReasonTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    public sealed record Case(string Name, bool DisableKeyGeneration, string? NewEmail, bool CaRefusesUpdate, string Reason, string Message)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new("account key missing, generation disabled", true, null, false, IssuerReasons.ErrVerifyAcmeAccount,
            "Failed to verify ACME account: Secret \""),
        new("email changed, the CA takes it", false, "new@example.test", false, IssuerReasons.AcmeAccountRegistered,
            "The ACME account was registered with the ACME server"),
        new("email changed, the CA refuses it", false, "new@example.test", true, IssuerReasons.ErrUpdateAcmeAccount,
            "Failed to update ACME account: "),
        new("email removed, the CA refuses it", false, "", true, IssuerReasons.ErrUpdateAcmeAccount,
            "Failed to update ACME account: "),
        new("email unchanged: nothing to update", false, "old@example.test", true, IssuerReasons.AcmeAccountRegistered,
            "The ACME account was registered with the ACME server"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheIssuerSaysWhatHappenedToItsAccount(Case c)
    {
        var ns = NewNamespace();
        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "acme").ToGrainKey());
        IssuerObject Issuer(string email, long generation) => new()
        {
            Kind = "Issuer",
            Metadata = new ObjectMeta { Name = "acme", Namespace = ns, Uid = $"uid-acme-{ns}", Generation = generation },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = Acme.DirectoryUrl,
                    Email = email,
                    DisableAccountKeyGeneration = c.DisableKeyGeneration ? true : null,
                    PrivateKeySecretRef = new SecretKeySelector { Name = "account" },
                    Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } }],
                },
            },
        };
        await issuer.SyncAsync(Issuer("old@example.test", 1));
        if (c.NewEmail is { } email)
        {
            var registered = (await issuer.GetSnapshotAsync(null)).Acme!;
            Assert.Equal(["mailto:old@example.test"], Acme.ContactsOf(registered.AccountUrl));
            Acme.RefuseContactUpdates = c.CaRefusesUpdate;
            await issuer.SyncAsync(Issuer(email, 2));
        }

        var readiness = (await issuer.GetSnapshotAsync(null)).Readiness;
        Assert.Equal(c.Reason, readiness.Reason);
        Assert.StartsWith(c.Message, readiness.Message, StringComparison.Ordinal);
        if (c.DisableKeyGeneration)
            Assert.Contains("key \"tls.key\" not found and spec.acme.disableAccountKeyGeneration is set", readiness.Message);
        Assert.Equal(c.Reason, Assert.Single(Cluster.Status<IssuerStatus>(ResourceKind.Issuer, Key(ns, "acme"))!.Conditions!).Reason);
        if (!readiness.Ready)
            await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object == Key(ns, "acme") && e.Reason == c.Reason && e.Type == EventRecord.Warning)),
                n => n == 1, "one Warning Event on the Issuer");
        if (c is { NewEmail: { Length: > 0 } changed, CaRefusesUpdate: false })
        {
            var account = (await issuer.GetSnapshotAsync(null)).Acme!;
            Assert.Equal([$"mailto:{changed}"], Acme.ContactsOf(account.AccountUrl));
        }
    }
}
