using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// cert-manager.io/issue-temporary-certificate: while the request is pending (here: waiting for approval, which looks the
/// same to the Certificate as an ACME order in flight) the Secret serves a placeholder; the issued certificate replaces it.
/// </summary>
[Collection(ManualApprovalCollection.Name)]
public sealed class TemporaryCertificateTests(ManualApprovalClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private ICertificateGrain Grain(string ns, string name) => fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    private async Task WithSelfSignedIssuerAsync() =>
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey()).SyncAsync(SelfSignedClusterIssuer("selfsigned"));

    private static Certificate WithTemporaryCertificate(Certificate certificate) => certificate with
    {
        Metadata = certificate.Metadata with { Annotations = new() { [Annotations.IssueTemporaryCertificate] = "true" } },
    };

    /// <summary>The request once its grain has been submitted and is waiting for approval.</summary>
    private async Task<CertificateRequest> PendingRequestAsync(string ns, string name)
    {
        await Eventually(() => Task.FromResult(Cluster.Events.Any(e => e.Object == Key(ns, name) && e.Reason == EventReasons.WaitingForApproval)),
            waiting => waiting, $"CertificateRequest {name} waiting for approval");
        return Cluster.Requests[Key(ns, name)];
    }

    /// <summary>What an approver does: sets Approved on the object; the bridge hands it to the request grain.</summary>
    private async Task ApproveAsync(string ns, string name)
    {
        var request = await PendingRequestAsync(ns, name);
        await fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, name).ToGrainKey()).ObserveAsync(request with
        {
            Status = new CertificateRequestStatus
            {
                Conditions = [new CertificateRequestCondition { Type = ConditionTypes.Approved, Status = ConditionStatus.True, Reason = "test", Message = "approved by the test" }],
            },
        });
    }

    [Fact]
    public async Task SecretServesATemporaryCertificateWhileIssuingAndTheIssuedOneAfter()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var grain = Grain(ns, "web");
        await grain.SyncAsync(WithTemporaryCertificate(Certificate(ns, "web", s => s.DnsNames = ["web.example.test", "www.example.test"])));

        var temporary = await Eventually(() => Task.FromResult(Cluster.Secrets.GetValueOrDefault(Key(ns, "web-tls"))), s => s is not null, "the temporary certificate");
        var placeholder = CertificateInfo.ParseFirst(temporary!.GetString(SecretKeys.TlsCertificate)!);
        Assert.Equal("CN=cert-manager.local", placeholder.IssuerDN);
        Assert.False(placeholder.IsSelfSigned);
        Assert.Equal(new[] { "web.example.test", "www.example.test" }, placeholder.DnsNames.Order());
        Assert.Contains("cert-manager", placeholder.Subject.OrganizationalUnits);
        Assert.Equal(TimeSpan.FromDays(90), placeholder.NotAfter - placeholder.NotBefore); // spec.duration, as cert-manager
        // The key is the next private key, which the issued certificate will carry too.
        // The status naming the next key is written just after the Secret.
        var status = (await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "web")), s => s?.NextPrivateKeySecretName is not null, "the next key in the status"))!;
        var nextKeyPem = Cluster.Secrets[Key(ns, status.NextPrivateKeySecretName!)].GetString(SecretKeys.TlsPrivateKey)!;
        using (var nextKey = PrivateKey.FromPem(nextKeyPem))
            Assert.True(placeholder.MatchesKey(nextKey));
        Assert.Equal(SecretKeys.TlsSecretType, temporary.Type);
        Assert.False(temporary.Data.ContainsKey(SecretKeys.CaCertificate));
        Assert.Equal("web", temporary.Annotations[Annotations.CertificateName]);
        Assert.Equal("web.example.test,www.example.test", temporary.Annotations[Annotations.AltNames]);
        Assert.DoesNotContain(Annotations.IssuerName, temporary.Annotations.Keys);
        Assert.Equal("true", temporary.Labels[Labels.ControllerFao]);

        // Not Ready and not up to date: no revision, no validity, still issuing.
        var ready = (await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "web", ConditionTypes.Ready)),
            c => c?.Reason == CertificateReasons.IncorrectIssuer, "Ready=False for the placeholder"))!;
        Assert.Equal((ConditionStatus.False, CertificateReasons.IncorrectIssuer), (ready.Status, ready.Reason));
        Assert.Equal("Issuing certificate as Secret contains a temporary certificate issued by \"cert-manager.local\", not by \"ClusterIssuer.cert-manager.io/selfsigned\"", ready.Message);
        Assert.Equal(ConditionStatus.True, ConditionOf(Cluster, ns, "web", ConditionTypes.Issuing)!.Status);
        Assert.Null(status.Revision);
        Assert.Null(status.NotAfter);
        await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object == Key(ns, "web") && e.Reason == EventReasons.Issuing && e.Message == "Issued temporary certificate")),
            n => n == 1, "the Issuing event for the placeholder");

        // Reconciling again while pending neither rewrites the placeholder nor calls it Ready.
        await grain.ReconcileAsync();
        Assert.Equal(temporary.ResourceVersion, Cluster.Secrets[Key(ns, "web-tls")].ResourceVersion);
        Assert.Equal(1, Cluster.Events.Count(e => e.Object == Key(ns, "web") && e.Message == "Issued temporary certificate"));
        Assert.Equal(CertificateReasons.IncorrectIssuer, ConditionOf(Cluster, ns, "web", ConditionTypes.Ready)!.Reason);

        await ApproveAsync(ns, "web-1");

        var issuedReady = await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "web", ConditionTypes.Ready)),
            c => c?.Reason == CertificateReasons.Ready, "Ready after issuance");
        Assert.Equal(ConditionStatus.True, issuedReady!.Status);
        var secret = Cluster.Secrets[Key(ns, "web-tls")];
        var issued = CertificateInfo.ParseFirst(secret.GetString(SecretKeys.TlsCertificate)!);
        Assert.True(issued.IsSelfSigned, "the selfSigned issuer's certificate replaced the placeholder");
        Assert.NotEqual("CN=cert-manager.local", issued.IssuerDN);
        Assert.Equal(temporary.GetString(SecretKeys.TlsPrivateKey), secret.GetString(SecretKeys.TlsPrivateKey));
        Assert.Equal("selfsigned", secret.Annotations[Annotations.IssuerName]);
        Assert.True(secret.Data.ContainsKey(SecretKeys.CaCertificate));
        Assert.Equal(1, StatusOf(Cluster, ns, "web")!.Revision);
    }

    [Fact]
    public async Task DeniedRequestLeavesThePlaceholderNotReady()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var grain = Grain(ns, "denied");
        await grain.SyncAsync(WithTemporaryCertificate(Certificate(ns, "denied")));
        await Eventually(() => Task.FromResult(Cluster.Secrets.ContainsKey(Key(ns, "denied-tls"))), s => s, "the temporary certificate");

        var request = await PendingRequestAsync(ns, "denied-1");
        await fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "denied-1").ToGrainKey()).ObserveAsync(request with
        {
            Status = new CertificateRequestStatus
            {
                Conditions = [new CertificateRequestCondition { Type = ConditionTypes.Denied, Status = ConditionStatus.True, Reason = "test", Message = "no" }],
            },
        });
        await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "denied")), s => s?.FailedIssuanceAttempts == 1, "the failed attempt");

        // A later reconcile (in backoff) sees the placeholder and still says why it is not Ready.
        await grain.ReconcileAsync();
        var ready = ConditionOf(Cluster, ns, "denied", ConditionTypes.Ready)!;
        Assert.Equal((ConditionStatus.False, CertificateReasons.IncorrectIssuer), (ready.Status, ready.Reason));
        Assert.Contains("temporary certificate", ready.Message);
        Assert.Null(StatusOf(Cluster, ns, "denied")!.NotAfter);
        Assert.Null((await grain.GetStateAsync()).IssuedFor);
    }

    [Fact]
    public async Task WithoutTheAnnotationNothingIsWrittenWhilePending()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "plain").SyncAsync(Certificate(ns, "plain"));
        await PendingRequestAsync(ns, "plain-1");
        await Grain(ns, "plain").ReconcileAsync();

        Assert.False(Cluster.Secrets.ContainsKey(Key(ns, "plain-tls")));
        Assert.Equal(CertificateReasons.DoesNotExist, ConditionOf(Cluster, ns, "plain", ConditionTypes.Ready)!.Reason);
    }

    [Fact]
    public async Task AnIssuedCertificateKeepsServingWhileItsSuccessorIsPending()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var grain = Grain(ns, "renew");
        await grain.SyncAsync(WithTemporaryCertificate(Certificate(ns, "renew")));
        await ApproveAsync(ns, "renew-1");
        await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "renew")), s => s?.Revision == 1, "revision 1");
        var first = Cluster.Secrets[Key(ns, "renew-tls")];

        await grain.SyncAsync(WithTemporaryCertificate(Certificate(ns, "renew", s => s.DnsNames = ["renew.example.test", "more.example.test"], generation: 2)));
        await PendingRequestAsync(ns, "renew-2");
        await grain.ReconcileAsync();

        // cert-manager only writes a placeholder where no valid key pair is; an outdated but valid one keeps serving.
        Assert.Equal(first.GetString(SecretKeys.TlsCertificate), Cluster.Secrets[Key(ns, "renew-tls")].GetString(SecretKeys.TlsCertificate));
        Assert.Equal(1, Cluster.Events.Count(e => e.Object == Key(ns, "renew") && e.Message == "Issued temporary certificate")); // revision 1's only
    }
}
