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

    public sealed record ReasonCase(string Name, string IssuerType, string? CaSecret, string? KeySecret, bool GarbageCsr, RequestState State, string Reason, string Message)
    {
        public override string ToString() => Name;
    }

    /// <summary>cert-manager's CA and SelfSigned CertificateRequest reasons: Pending while a Secret is missing or unusable, Failed when no signature can be made.</summary>
    public static TheoryData<ReasonCase> ReasonCases() =>
    [
        new("CA Secret missing", "CA", "absent", null, false, RequestState.Pending, EventReasons.SecretMissing,
            "Referenced secret {ns}/absent not found: Error getting keypair for CA issuer: secrets \"absent\" not found in namespace \"{ns}\""),
        new("CA Secret without a key pair", "CA", "garbage-tls", null, false, RequestState.Pending, EventReasons.SecretInvalidData,
            "Failed to parse signing CA keypair from secret {ns}/garbage-tls: Error getting keypair for CA issuer: tls.crt"),
        new("CA cannot sign the CSR", "CA", "ca-tls", null, true, RequestState.Failed, EventReasons.SigningError, "Error signing certificate: "),
        new("SelfSigned without the key annotation", "SelfSigned", null, null, false, RequestState.Failed, EventReasons.MissingAnnotation,
            $"Annotation \"{Annotations.PrivateKeySecretName}\" missing or reference empty"),
        new("SelfSigned key Secret missing", "SelfSigned", null, "gone", false, RequestState.Pending, EventReasons.MissingSecret,
            "Referenced secret {ns}/gone not found"),
        new("SelfSigned key Secret unreadable", "SelfSigned", null, "garbage-tls", false, RequestState.Pending, EventReasons.ErrorParsingKey,
            $"Failed to get key \"garbage-tls\" referenced in annotation \"{Annotations.PrivateKeySecretName}\": "),
        new("SelfSigned key of another CSR", "SelfSigned", null, "other-key", false, RequestState.Failed, EventReasons.ErrorKeyMatch,
            "Error generating certificate template: the private key in Secret \"other-key\" does not match the CSR's public key"),
        new("SelfSigned CSR unreadable", "SelfSigned", null, "leaf-key", true, RequestState.Failed, EventReasons.ErrorKeyMatch,
            "Error generating certificate template: "),
        new("an issuer type with no signer", "ACME", null, null, false, RequestState.Failed, CertificateRequestReasons.Failed,
            "ClusterIssuer \"self\" has no signer for its configuration"),
    ];

    [Theory]
    [MemberData(nameof(ReasonCases))]
    public async Task A_signature_that_cannot_be_made_says_why_with_cert_managers_reason(ReasonCase c)
    {
        var ns = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(ns, "garbage-tls"), new() { ["tls.crt"] = "not a certificate", ["tls.key"] = "not a key" });
        Cluster.PutSecret(Key(ns, "ca-tls"), IssuerGrainTests.CaSecretData("Reason CA", fixture.Clock.GetUtcNow()));
        Cluster.PutSecret(Key(ns, "leaf-key"), new() { ["tls.key"] = key.ExportPkcs8PrivateKeyPem() });
        Cluster.PutSecret(Key(ns, "other-key"), new() { ["tls.key"] = otherKey.ExportPkcs8PrivateKeyPem() });
        var request = Request(ns, key, c.KeySecret is { } keySecret ? Key(ns, keySecret) : null);
        if (c.GarbageCsr)
            request = request with { CsrPem = "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----\n" };
        var (signer, snapshot) = c.IssuerType switch
        {
            "CA" => (Signer(Key(ns, "ca")), ReadyCa with { CaSecret = Key(ns, c.CaSecret!) }),
            "SelfSigned" => (Signer(new ObjectKey(TestObjects.Cluster, "", "self")), ReadySelfSigned),
            _ => (Signer(new ObjectKey(TestObjects.Cluster, "", "self")), new IssuerSnapshot(new IssuerReadiness(true, true, "ACMEAccountRegistered", "", "ACME"), null)),
        };

        var outcome = await signer.SignAsync(request, snapshot);

        Assert.Equal((c.State, c.Reason), (outcome.State, outcome.Reason));
        Assert.StartsWith(c.Message.Replace("{ns}", ns, StringComparison.Ordinal), outcome.Message, StringComparison.Ordinal);
    }
}
