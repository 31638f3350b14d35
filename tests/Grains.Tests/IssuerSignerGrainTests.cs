using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>The stateless signers: CA and SelfSigned signing, a rotated CA key pair, and why a signature cannot be made.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IssuerSignerGrainTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private static readonly IssuerSnapshot ReadyCa = new(new IssuerReadiness(true, true, IssuerReasons.KeyPairVerified, "Signing CA verified", "CA"), null);
    private static readonly IssuerSnapshot ReadySelfSigned = new(new IssuerReadiness(true, true, IssuerReasons.IsReady, "", "SelfSigned"), null);

    private static SignRequest Request(string ns, ECDsa key, ObjectKey? privateKeySecret = null) => new()
    {
        Request = Key(ns, "leaf-1"),
        CsrPem = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=leaf.example.test", key, HashAlgorithmName.SHA256)
            .CreateSigningRequestPem(),
        Duration = TimeSpan.FromDays(30),
        PrivateKeySecret = privateKeySecret,
    };

    private IIssuerSignerGrain Signer(ObjectKey issuer) => fixture.Grains.GetGrain<IIssuerSignerGrain>(issuer.ToGrainKey());

    private static string IssuerOf(RequestOutcome outcome)
    {
        Assert.Equal(RequestState.Issued, outcome.State);
        using var leaf = X509Certificate2.CreateFromPem(outcome.ChainPem);
        return leaf.Issuer;
    }

    [Fact]
    public async Task A_ca_issuer_signs_with_its_key_pair_and_after_a_rotation_that_the_issuer_verified_with_the_new_one()
    {
        var ns = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(ns, "ca-tls"), IssuerGrainTests.CaSecretData("First CA", fixture.Clock.GetUtcNow()));
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls"));

        var before = await issuer.GetSnapshotAsync(null);
        Assert.Equal(Cluster.Secrets[Key(ns, "ca-tls")].ResourceVersion, before.CaSecretVersion);
        Assert.Equal("CN=First CA", IssuerOf(await Signer(Key(ns, "ca")).SignAsync(Request(ns, key), before)));

        // Rotated well within the signers' cache time: the issuer hears of it, and its snapshot makes them reload.
        Cluster.PutSecret(Key(ns, "ca-tls"), IssuerGrainTests.CaSecretData("Second CA", fixture.Clock.GetUtcNow()));
        await issuer.SecretChangedAsync();
        var after = await issuer.GetSnapshotAsync(null);
        Assert.Equal(Cluster.Secrets[Key(ns, "ca-tls")].ResourceVersion, after.CaSecretVersion);
        for (var i = 0; i < 4; i++) // whichever worker activation answers
            Assert.Equal("CN=Second CA", IssuerOf(await Signer(Key(ns, "ca")).SignAsync(Request(ns, key), after)));
    }

    [Fact]
    public async Task A_self_signed_issuer_signs_with_the_requests_own_key()
    {
        var ns = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(ns, "leaf-key"), new() { ["tls.key"] = key.ExportPkcs8PrivateKeyPem() });

        var outcome = await Signer(new ObjectKey(TestObjects.Cluster, "", "self")).SignAsync(Request(ns, key, Key(ns, "leaf-key")), ReadySelfSigned);

        Assert.Equal("CN=leaf.example.test", IssuerOf(outcome));
        Assert.Equal(outcome.ChainPem, outcome.CaPem);
    }

    [Fact]
    public async Task A_signature_that_cannot_be_made_fails_the_request_saying_why()
    {
        var ns = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(ns, "garbage-tls"), new() { ["tls.crt"] = "not a certificate", ["tls.key"] = "not a key" });
        var caIssuer = Signer(Key(ns, "ca"));
        var selfSigned = Signer(new ObjectKey(TestObjects.Cluster, "", "self"));

        var missing = await caIssuer.SignAsync(Request(ns, key), ReadyCa with { CaSecret = Key(ns, "absent") });
        Assert.Equal(RequestState.Failed, missing.State);
        Assert.Equal(CertificateRequestReasons.Failed, missing.Reason);
        Assert.Equal($"Error getting keypair for CA issuer: secrets \"absent\" not found in namespace \"{ns}\"", missing.Message);

        var invalid = await caIssuer.SignAsync(Request(ns, key), ReadyCa with { CaSecret = Key(ns, "garbage-tls") });
        Assert.Equal(RequestState.Failed, invalid.State);
        Assert.StartsWith("Error getting keypair for CA issuer: tls.crt", invalid.Message);

        var noAnnotation = await selfSigned.SignAsync(Request(ns, key), ReadySelfSigned);
        Assert.Equal($"CertificateRequest has no {Annotations.PrivateKeySecretName} annotation; a SelfSigned issuer needs the request's private key",
            noAnnotation.Message);
        var noKeySecret = await selfSigned.SignAsync(Request(ns, key, Key(ns, "gone")), ReadySelfSigned);
        Assert.Equal("Secret \"gone\" holding the request's private key was not found", noKeySecret.Message);

        var acme = await selfSigned.SignAsync(Request(ns, key), new IssuerSnapshot(new IssuerReadiness(true, true, "ACMEAccountRegistered", "", "ACME"), null));
        Assert.Equal("ClusterIssuer \"self\" has no signer for its configuration", acme.Message);
    }
}
