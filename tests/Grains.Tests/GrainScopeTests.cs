using System.Security.Cryptography;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// A grain only acts for what its key names, whoever calls it: an issuer reads Secrets of its own namespace (a
/// ClusterIssuer of the cluster-resource namespace) and serves requests of its own namespace, and a grain handed an
/// object, request or issuer context of another namespace or cluster refuses the call without doing anything.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainScopeTests(ClusterFixture fixture)
{
    private const string ClusterResourceNamespace = "cert-manager";

    private FakeCluster Cluster => fixture.Cluster;

    private static readonly IssuerSnapshot ReadyCa = new(new IssuerReadiness(true, true, IssuerReasons.KeyPairVerified, "Signing CA verified", "CA"), null);

    private static SignRequest Request(ObjectKey request, ECDsa key, ObjectKey? privateKeySecret = null) => new()
    {
        Request = request,
        CsrPem = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=leaf.example.test", key, HashAlgorithmName.SHA256)
            .CreateSigningRequestPem(),
        Duration = TimeSpan.FromDays(30),
        PrivateKeySecret = privateKeySecret,
    };

    private IIssuerSignerGrain Signer(ObjectKey issuer) => fixture.Grains.GetGrain<IIssuerSignerGrain>(issuer.ToGrainKey());

    [Fact]
    public async Task An_issuers_signer_reads_no_ca_secret_and_serves_no_request_outside_its_namespace()
    {
        string mine = NewNamespace(), theirs = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A usable CA in the other namespace: only the scope check stands between a caller and a signature with it.
        Cluster.PutSecret(Key(theirs, "their-ca"), IssuerGrainTests.CaSecretData("Their CA", fixture.Clock.GetUtcNow()));
        Cluster.PutSecret(Key(mine, "my-ca"), IssuerGrainTests.CaSecretData("My CA", fixture.Clock.GetUtcNow()));
        var signer = Signer(Key(mine, "ca"));

        var otherSecret = await signer.SignAsync(Request(Key(mine, "leaf-1"), key), ReadyCa with { CaSecret = Key(theirs, "their-ca") });
        Assert.Equal((RequestState.Failed, $"Issuer \"{mine}/ca\" of cluster \"{TestObjects.Cluster}\" reads Secrets of namespace \"{mine}\" only; refused Secret \"{theirs}/their-ca\" of cluster \"{TestObjects.Cluster}\""),
            (otherSecret.State, otherSecret.Message));
        Assert.Null(otherSecret.ChainPem);

        var otherCluster = await signer.SignAsync(Request(Key(mine, "leaf-1"), key), ReadyCa with { CaSecret = new ObjectKey("elsewhere", mine, "my-ca") });
        Assert.Equal(RequestState.Failed, otherCluster.State);
        Assert.EndsWith($"refused Secret \"{mine}/my-ca\" of cluster \"elsewhere\"", otherCluster.Message);

        var otherRequest = await signer.SignAsync(Request(Key(theirs, "leaf-1"), key), ReadyCa with { CaSecret = Key(mine, "my-ca") });
        Assert.Equal((RequestState.Failed, $"Issuer \"{mine}/ca\" serves namespace \"{mine}\" only; refused \"{theirs}/leaf-1\""),
            (otherRequest.State, otherRequest.Message));

        // Its own Secret for its own namespace's request: signed.
        Assert.Equal(RequestState.Issued, (await signer.SignAsync(Request(Key(mine, "leaf-1"), key), ReadyCa with { CaSecret = Key(mine, "my-ca") })).State);
    }

    [Fact]
    public async Task A_cluster_issuers_signer_reads_ca_secrets_of_the_cluster_resource_namespace_only_and_request_keys_of_the_requests_namespace()
    {
        string ns = NewNamespace(), other = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(other, "ca-tls"), IssuerGrainTests.CaSecretData("Namespaced CA", fixture.Clock.GetUtcNow()));
        Cluster.PutSecret(Key(other, "leaf-key"), new() { ["tls.key"] = key.ExportPkcs8PrivateKeyPem() });
        var clusterIssuer = new ObjectKey(TestObjects.Cluster, "", "cluster-ca");

        var caOutside = await Signer(clusterIssuer).SignAsync(Request(Key(ns, "leaf-1"), key), ReadyCa with { CaSecret = Key(other, "ca-tls") });
        Assert.Equal(
            $"ClusterIssuer \"cluster-ca\" of cluster \"{TestObjects.Cluster}\" reads Secrets of namespace \"{ClusterResourceNamespace}\" only; refused Secret \"{other}/ca-tls\" of cluster \"{TestObjects.Cluster}\"",
            caOutside.Message);

        var selfSigned = new IssuerSnapshot(new IssuerReadiness(true, true, IssuerReasons.IsReady, "", "SelfSigned"), null);
        var keyOutside = await Signer(new ObjectKey(TestObjects.Cluster, "", "self")).SignAsync(Request(Key(ns, "leaf-1"), key, Key(other, "leaf-key")), selfSigned);
        Assert.Equal((RequestState.Failed, $"the private key Secret \"{other}/leaf-key\" of cluster \"{TestObjects.Cluster}\" is not in the namespace of CertificateRequest \"{ns}/leaf-1\""),
            (keyOutside.State, keyOutside.Message));
    }

    [Fact]
    public async Task Grains_refuse_objects_their_key_does_not_name()
    {
        string ns = NewNamespace(), other = NewNamespace();

        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        var wrongIssuer = await Assert.ThrowsAsync<GrainScopeException>(() => issuer.SyncAsync(CaIssuer(other, "ca", "ca-tls")));
        Assert.Equal($"Issuer grain \"{TestObjects.Cluster}/{ns}/ca\" refused Issuer \"{other}/ca\": a grain only takes the object its key names", wrongIssuer.Message);
        var asCluster = await Assert.ThrowsAsync<GrainScopeException>(() => issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls") with { Kind = "ClusterIssuer" }));
        Assert.Contains("the key's scope does not match the kind", asCluster.Message);

        var certificate = fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, "web").ToGrainKey());
        await Assert.ThrowsAsync<GrainScopeException>(() => certificate.SyncAsync(Certificate(other, "web")));
        await Assert.ThrowsAsync<GrainScopeException>(() => certificate.SyncAsync(Certificate(ns, "api")));

        // Nothing was written for any of them.
        Assert.Null(StatusOf(Cluster, ns, "web"));
        Assert.Null(StatusOf(Cluster, other, "web"));
        Assert.Null(Cluster.Status<IssuerStatus>(CertFleet.Interfaces.Ports.ResourceKind.Issuer, Key(ns, "ca")));
    }

    [Fact]
    public async Task Orders_and_challenges_refuse_an_issuer_context_of_another_namespace_or_with_a_foreign_account_key()
    {
        string ns = NewNamespace(), other = NewNamespace();
        var order = fixture.Grains.GetGrain<IOrderGrain>(Key(ns, "web-1-1").ToGrainKey());
        AcmeIssuerContext Context(ObjectKey issuer, string kind, ObjectKey accountKey) => new()
        {
            Issuer = issuer, IssuerKind = kind, Spec = new AcmeIssuer { Server = "https://acme.invalid/directory" },
            AccountUrl = "https://acme.invalid/acct/1", AccountKeySecret = accountKey,
        };
        OrderWork Work(AcmeIssuerContext issuer) => new()
        {
            Issuer = issuer, Request = Key(ns, "web-1"), RequestUid = Guid.NewGuid().ToString(), CsrPem = "unused", DnsNames = ["web.example.test"],
        };

        var otherNamespace = await Assert.ThrowsAsync<GrainScopeException>(() =>
            order.StartAsync(Work(Context(Key(other, "le"), "Issuer", Key(other, "le-account")))));
        Assert.Equal($"Issuer \"{other}/le\" serves namespace \"{other}\" only; refused \"{ns}/web-1-1\"", otherNamespace.Message);

        var clusterIssuer = new ObjectKey(TestObjects.Cluster, "", "le");
        var foreignKey = await Assert.ThrowsAsync<GrainScopeException>(() => order.StartAsync(Work(Context(clusterIssuer, "ClusterIssuer", Key(other, "le-account")))));
        Assert.Equal(
            $"ClusterIssuer \"le\" of cluster \"{TestObjects.Cluster}\" reads Secrets of namespace \"{ClusterResourceNamespace}\" only; refused Secret \"{other}/le-account\" of cluster \"{TestObjects.Cluster}\"",
            foreignKey.Message);

        var kindMismatch = await Assert.ThrowsAsync<GrainScopeException>(() => order.StartAsync(Work(Context(Key(ns, "le"), "ClusterIssuer", Key(ns, "le-account")))));
        Assert.Equal($"issuer kind \"ClusterIssuer\" does not match issuer key \"{TestObjects.Cluster}/{ns}/le\"", kindMismatch.Message);

        var challenge = fixture.Grains.GetGrain<IChallengeGrain>(Key(ns, "web-1-1-7").ToGrainKey());
        var challengeWork = new ChallengeWork
        {
            Issuer = Context(Key(other, "le"), "Issuer", Key(other, "le-account")),
            Order = Key(ns, "web-1-1"),
            ChallengeUid = Guid.NewGuid().ToString(),
            Resource = new Challenge { Metadata = new ObjectMeta { Name = "web-1-1-7", Namespace = ns }, Spec = new ChallengeSpec() },
        };
        await Assert.ThrowsAsync<GrainScopeException>(() => challenge.StartAsync(challengeWork));
        await Assert.ThrowsAsync<GrainScopeException>(() => challenge.StartAsync(challengeWork with
        {
            Issuer = Context(Key(ns, "le"), "Issuer", Key(ns, "le-account")),
            Resource = challengeWork.Resource with { Metadata = new ObjectMeta { Name = "web-1-1-7", Namespace = other } },
        }));

        Assert.Null(Cluster.Status<OrderStatus>(CertFleet.Interfaces.Ports.ResourceKind.Order, Key(ns, "web-1-1")));
        Assert.Null(Cluster.Status<ChallengeStatus>(CertFleet.Interfaces.Ports.ResourceKind.Challenge, Key(ns, "web-1-1-7")));
    }
}
