using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// Oversized and broken input ends as a named reason on the object at fault, without an order, a crash or a retry
/// loop: 1,000 SANs on an ACME issuer, 200 KB of annotations, CA Secrets that cannot sign, unusable ACME account keys
/// and caBundles. (An ACME order whose identifiers are not the CSR's: OrderGrainTests.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LimitsWithReasonsTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    [Fact]
    public async Task AThousandSansOnAnAcmeIssuerAreRefusedWithCountsAndNothingIsOrdered()
    {
        var ns = NewNamespace();
        var names = Enumerable.Range(0, 1000).Select(i => $"host{i}.many.example.test").ToArray();
        await Grain(ns, "many").SyncAsync(AcmeCertificate(ns, "many", names));

        var invalid = await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "many", ConditionTypes.Ready)),
            c => c?.Reason == CertFleetReasons.InvalidSpec, "the Certificate refused as InvalidSpec");
        Assert.Contains("1000 identifiers, but an ACME order may hold at most 100", invalid!.Message);
        Assert.DoesNotContain("host999", invalid.Message); // counts, not a list of a thousand names
        Assert.True(invalid.Message!.Length < 1000, $"message of {invalid.Message.Length} characters");
        Assert.All(Cluster.Events.Where(e => e.Object == Key(ns, "many")), e => Assert.DoesNotContain("host999", e.Message));
        Assert.Equal(0, Acme.NewOrders);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);
    }

    [Fact]
    public async Task AnnotationsOf200KiloBytesAreNotCopiedToTheRequestNorKeptInState()
    {
        var ns = NewNamespace();
        await Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey())
            .SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        var certificate = Certificate(ns, "fat");
        certificate = certificate with
        {
            Metadata = certificate.Metadata with
            {
                Annotations = new()
                {
                    ["example.com/blob"] = new string('x', 200 * 1024),
                    ["kubectl.kubernetes.io/last-applied-configuration"] = new string('y', 200 * 1024),
                    ["team.example.com/owner"] = "shop",
                },
            },
        };
        await Grain(ns, "fat").SyncAsync(certificate);

        await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "fat", ConditionTypes.Ready)), c => c?.Reason == CertificateReasons.Ready,
            "the Certificate issued");
        var request = Cluster.Requests[Key(ns, "fat-1")];
        Assert.Equal("shop", request.Metadata.Annotations!["team.example.com/owner"]);
        Assert.False(request.Metadata.Annotations.ContainsKey("example.com/blob"));
        Assert.False(request.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/last-applied-configuration"));
        var state = await Grain(ns, "fat").GetStateAsync();
        var kept = state.Object!.Metadata.Annotations!.Sum(a => a.Key.Length + a.Value.Length);
        Assert.True(kept < 1024, $"{kept} characters of annotations kept in grain state");
        var warning = Assert.Single(Cluster.Events, e => e.Object == Key(ns, "fat") && e.Reason == "AnnotationsNotCopied");
        Assert.Contains("\"example.com/blob\"", warning.Message);
        Assert.Equal(EventRecord.Warning, warning.Type);
    }

    public static TheoryData<string, string> BrokenCaSecrets => new()
    {
        { "garbage", "tls.crt" },
        { "mismatched-key", "tls.key: the private key does not match" },
        { "expired", "expired on" },
        { "not-a-ca", "is not a CA certificate" },
    };

    [Theory]
    [MemberData(nameof(BrokenCaSecrets))]
    public async Task ACaIssuerWhoseSecretCannotSignSaysWhyOnTheIssuerAndItsCertificates(string broken, string messageFragment)
    {
        var ns = NewNamespace();
        var now = Fixture.Clock.GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=broken ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(broken != "not-a-ca", false, 0, true));
        using var ca = broken == "expired"
            ? request.CreateSelfSigned(now.AddDays(-30), now.AddDays(-1))
            : request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var data = broken == "garbage"
            ? new Dictionary<string, string> { ["tls.crt"] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", ["tls.key"] = "garbage" }
            : new Dictionary<string, string>
            {
                ["tls.crt"] = ca.ExportCertificatePem(),
                ["tls.key"] = (broken == "mismatched-key" ? otherKey : key).ExportPkcs8PrivateKeyPem(),
            };
        Cluster.PutSecret(Key(ns, "ca-tls"), data);

        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "ca-tls"));
        var readiness = (await issuer.GetSnapshotAsync(null)).Readiness;
        Assert.False(readiness.Ready);
        Assert.Equal(IssuerReasons.ErrInvalidKeyPair, readiness.Reason);
        Assert.True(readiness.Message.Contains(messageFragment, StringComparison.Ordinal), readiness.Message);
        var status = Cluster.Status<IssuerStatus>(ResourceKind.Issuer, Key(ns, "ca"));
        Assert.Equal(IssuerReasons.ErrInvalidKeyPair, Assert.Single(status!.Conditions!).Reason);
        await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object == Key(ns, "ca") && e.Reason == IssuerReasons.ErrInvalidKeyPair)),
            n => n == 1, "one Warning Event on the Issuer");

        await Grain(ns, "leaf").SyncAsync(Certificate(ns, "leaf", s => { s.IssuerName = "ca"; s.IssuerKind = "Issuer"; }));
        var notReady = await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "leaf", ConditionTypes.Ready)),
            c => c?.Reason == CertFleetReasons.IssuerNotReady, "the Certificate waiting on the Issuer");
        Assert.Contains(messageFragment, notReady!.Message);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);
    }

    public static TheoryData<string, string, string> BrokenAccounts => new()
    {
        { "ed25519-key", IssuerReasons.ErrVerifyAcmeAccount, "Ed25519 keys cannot sign ACME requests" },
        { "garbage-key", IssuerReasons.ErrVerifyAcmeAccount, "spec.acme.privateKeySecretRef" },
        { "truncated-key", IssuerReasons.ErrVerifyAcmeAccount, "spec.acme.privateKeySecretRef" },
        { "garbage-ca-bundle", IssuerReasons.InvalidConfig, "spec.acme.caBundle" },
        { "ca-bundle-without-certificates", IssuerReasons.InvalidConfig, "spec.acme.caBundle" },
    };

    [Theory]
    [MemberData(nameof(BrokenAccounts))]
    public async Task AnAcmeIssuerWithAnUnusableAccountKeyOrCaBundleSaysWhyAndWaits(string broken, string reason, string messageFragment)
    {
        var ns = NewNamespace();
        using var rsa = RSA.Create(2048);
        var keyPem = broken switch
        {
            "ed25519-key" => "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBrYLWRz5ZOaPo24U7ktdfDm8cFkhyhJNzKo2XJIfJkm\n-----END PRIVATE KEY-----\n",
            "garbage-key" => "not a key at all",
            "truncated-key" => rsa.ExportPkcs8PrivateKeyPem()[..300] + "\n-----END PRIVATE KEY-----\n",
            _ => rsa.ExportPkcs8PrivateKeyPem(),
        };
        Cluster.PutSecret(Key(ns, "account"), new() { ["tls.key"] = keyPem });
        var caBundle = broken switch
        {
            "garbage-ca-bundle" => "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "ca-bundle-without-certificates" => "just some text",
            _ => null,
        };
        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "acme").ToGrainKey());
        await issuer.SyncAsync(new IssuerObject
        {
            Kind = "Issuer",
            Metadata = new ObjectMeta { Name = "acme", Namespace = ns, Uid = $"uid-acme-{ns}", Generation = 1 },
            Spec = new IssuerSpec
            {
                Acme = new AcmeIssuer
                {
                    Server = Acme.DirectoryUrl,
                    CaBundle = caBundle is null ? null : System.Text.Encoding.UTF8.GetBytes(caBundle),
                    PrivateKeySecretRef = new SecretKeySelector { Name = "account" },
                    Solvers = [new AcmeChallengeSolver { Http01 = new AcmeHttp01Solver { Ingress = new AcmeHttp01Ingress() } }],
                },
            },
        });

        var readiness = (await issuer.GetSnapshotAsync(null)).Readiness;
        Assert.False(readiness.Ready);
        Assert.Equal(reason, readiness.Reason);
        Assert.Contains(messageFragment, readiness.Message);
        foreach (var line in keyPem.Split('\n').Where(l => l.Length > 8 && !l.StartsWith("-----", StringComparison.Ordinal)))
            Assert.DoesNotContain(line, readiness.Message); // never the key itself
        var condition = Assert.Single(Cluster.Status<IssuerStatus>(ResourceKind.Issuer, Key(ns, "acme"))!.Conditions!);
        Assert.Equal(reason, condition.Reason);
        await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object == Key(ns, "acme") && e.Reason == reason)),
            n => n == 1, "one Warning Event on the Issuer");
        // the account key Secret is the user's: never replaced by a generated key
        Assert.Equal(keyPem, Cluster.Secrets[Key(ns, "account")].GetString("tls.key"));
    }

    [Fact]
    public async Task ARequestWaitingForAMissingIssuerLooksAgainAndIsSignedOnceItAppears()
    {
        var ns = NewNamespace();
        var issuerName = $"late-{ns}";
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Cluster.PutSecret(Key(ns, "late-key"), new() { ["tls.key"] = key.ExportPkcs8PrivateKeyPem() });
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=late.example.test", key, HashAlgorithmName.SHA256);
        var request = new Interfaces.Api.CertificateRequest
        {
            Metadata = new ObjectMeta
            {
                Name = "late", Namespace = ns, Uid = $"uid-late-{ns}",
                Annotations = new() { [Annotations.PrivateKeySecretName] = "late-key" },
            },
            Spec = new CertificateRequestSpec
            {
                Request = System.Text.Encoding.UTF8.GetBytes(csr.CreateSigningRequestPem()),
                IssuerRef = new IssuerRef { Name = issuerName, Kind = "ClusterIssuer" },
            },
        };
        var grain = Fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "late").ToGrainKey());
        await grain.ObserveAsync(request);
        var pending = Assert.Single(Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "late"))!.Conditions!,
            c => c.Type == ConditionTypes.Ready);
        Assert.Equal(CertificateRequestReasons.Pending, pending.Reason);
        Assert.Contains("not found", pending.Message);

        await Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", issuerName).ToGrainKey())
            .SyncAsync(SelfSignedClusterIssuer(issuerName));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "late"))),
            s => s?.Conditions?.Any(c => c.Type == ConditionTypes.Ready && c.Reason == CertificateRequestReasons.Issued) == true,
            "the request signed on its next look at the issuer"));
    }

    [Fact]
    public async Task AStatusMessageIsCutToASafeLengthWithAMarker()
    {
        var message = new string('m', 100_000);
        var conditions = Issuance.ConditionList.Set(null, new Condition
        {
            Type = ConditionTypes.Ready, Status = ConditionStatus.False, Reason = "Failed", Message = message,
        });
        var cut = Assert.Single(conditions).Message!;
        Assert.Equal(StatusText.MaxLength + StatusText.TruncationMarker.Length, cut.Length);
        Assert.EndsWith("… (truncated)", cut);
        Assert.StartsWith(message[..StatusText.MaxLength], cut);

        var requestConditions = Issuance.ConditionList.Set(null, new CertificateRequestCondition
        {
            Type = ConditionTypes.Ready, Status = ConditionStatus.False, Reason = "Failed", Message = message,
        });
        Assert.EndsWith(StatusText.TruncationMarker, Assert.Single(requestConditions).Message);
        Assert.Equal("short", StatusText.Truncate("short"));
        await Task.CompletedTask;
    }
}
