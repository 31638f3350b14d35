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
}
