using System.Security.Cryptography;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CertificateRequestGrainTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Its_own_status_write_coming_back_is_ignored_and_a_denial_above_it_is_not()
    {
        var ns = NewNamespace();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest
        {
            Metadata = new ObjectMeta { Name = "mine", Namespace = ns, Uid = $"uid-mine-{ns}" },
            Spec = new CertificateRequestSpec
            {
                Request = System.Text.Encoding.UTF8.GetBytes(new System.Security.Cryptography.X509Certificates.CertificateRequest(
                    "CN=mine.example.test", key, HashAlgorithmName.SHA256).CreateSigningRequestPem()),
                IssuerRef = new IssuerRef { Name = $"absent-{ns}", Kind = "ClusterIssuer" },
            },
        };
        var grain = fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "mine").ToGrainKey());
        CertificateRequestCondition? Ready() =>
            Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "mine"))?.Conditions?.Single(c => c.Type == ConditionTypes.Ready);

        await grain.ObserveAsync(request);
        Assert.Equal($"Referenced ClusterIssuer not found: clusterissuers.cert-manager.io \"absent-{ns}\" not found", Ready()!.Message);
        // Ready=False Pending, the Event with cert-manager's reason for the situation.
        Assert.Equal(CertificateRequestReasons.Pending, Ready()!.Reason);
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "mine") && e.Reason == EventReasons.IssuerNotFound && e.Type == EventRecord.Normal);

        var denied = request with
        {
            Status = new CertificateRequestStatus
            {
                Conditions = [new() { Type = ConditionTypes.Denied, Status = ConditionStatus.True, Reason = "Policy", Message = "not on my watch" }],
            },
        };
        await grain.ObserveAsync(denied with { Metadata = denied.Metadata with { ResourceVersion = "1" } });
        Assert.Equal(CertificateRequestReasons.Pending, Ready()!.Reason);

        await grain.ObserveAsync(denied with { Metadata = denied.Metadata with { ResourceVersion = Cluster.NextResourceVersion() } });
        Assert.Equal(CertificateRequestReasons.Denied, Ready()!.Reason);
        Assert.Equal("The CertificateRequest was denied by an approval controller: not on my watch", Ready()!.Message);
    }

    private static CertificateRequest ExternalRequest(string ns, string name, string group, string? certificateOwner = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest
        {
            Metadata = new ObjectMeta
            {
                Name = name, Namespace = ns, Uid = $"uid-{name}-{ns}", ResourceVersion = "1",
                OwnerReferences = certificateOwner is null ? null : [new OwnerReference { ApiVersion = CertFleet.Interfaces.Api.Certificate.GroupVersion, Kind = CertFleet.Interfaces.Api.Certificate.KindName, Name = certificateOwner, Uid = "uid-web" }],
            },
            Spec = new CertificateRequestSpec
            {
                Request = System.Text.Encoding.UTF8.GetBytes(new System.Security.Cryptography.X509Certificates.CertificateRequest(
                    $"CN={name}.example.test", key, HashAlgorithmName.SHA256).CreateSigningRequestPem()),
                // The same name as a cert-manager.io Issuer might have: only the group says who signs.
                IssuerRef = new IssuerRef { Name = "ca", Kind = "TestIssuer", Group = group },
            },
        };
    }

    public static TheoryData<string, bool> ApproverCases() => new()
    {
        // the request's issuer group, approved by the built-in approver
        { ClusterFixture.ApprovedExternalGroup, true },
        { "unlisted.example.test", false },
    };

    [Theory]
    [MemberData(nameof(ApproverCases))]
    public async Task An_external_request_is_approved_only_for_a_configured_signer_and_never_signed_here(string group, bool approved)
    {
        var ns = NewNamespace();
        var grain = fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "ext").ToGrainKey());

        await grain.ObserveAsync(ExternalRequest(ns, "ext", group));

        Assert.Equal(approved, Cluster.Approvals.TryGetValue(Key(ns, "ext"), out var approval));
        if (approved)
            Assert.Equal((ConditionStatus.True, CertificateRequestReasons.ApprovedByCertManager), (approval!.Status, approval.Reason));
        // No status of its own: the external issuer writes Ready, the certificate and the CA.
        Assert.Null(Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "ext")));
        Assert.DoesNotContain(Cluster.Events, e => e.Object == Key(ns, "ext") && e.Reason == EventReasons.WaitingForApproval);
    }

    [Fact]
    public async Task A_certificates_external_request_waits_for_the_issuers_status_and_answers_from_it()
    {
        var ns = NewNamespace();
        var request = ExternalRequest(ns, "web-1", ClusterFixture.ApprovedExternalGroup, certificateOwner: "web");
        var grain = fixture.Grains.GetGrain<ICertificateRequestGrain>(Key(ns, "web-1").ToGrainKey());

        var pending = await grain.SubmitAsync(request, null, null);
        Assert.Equal(RequestState.Pending, pending.State);
        Assert.True(Cluster.Approvals.ContainsKey(Key(ns, "web-1"))); // approved at once, not on the watch's echo

        const string chain = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        await grain.ObserveAsync(request with
        {
            Metadata = request.Metadata with { ResourceVersion = Cluster.NextResourceVersion() },
            Status = new CertificateRequestStatus
            {
                Conditions =
                [
                    new() { Type = ConditionTypes.Approved, Status = ConditionStatus.True, Reason = CertificateRequestReasons.ApprovedByCertManager },
                    new() { Type = ConditionTypes.Ready, Status = ConditionStatus.True, Reason = CertificateRequestReasons.Issued, Message = "signed" },
                ],
                Certificate = System.Text.Encoding.UTF8.GetBytes(chain),
                CA = System.Text.Encoding.UTF8.GetBytes("ca " + chain),
            },
        });

        var issued = await grain.SubmitAsync(request, null, null);
        Assert.Equal((RequestState.Issued, chain, "ca " + chain), (issued.State, issued.ChainPem, issued.CaPem));
        Assert.Null(Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "web-1")));
    }
}
