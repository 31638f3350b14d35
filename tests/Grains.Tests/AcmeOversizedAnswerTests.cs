using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// A CA whose certificate download is larger than the 4 MiB a chain may take: the refusal is retried like a network
/// fault, and when it persists the Order, the CertificateRequest and the Certificate say which limit was exceeded.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AcmeOversizedAnswerTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    private const string Refusal = "the ACME server's answer exceeded 4 MiB";

    [Fact]
    public async Task AnOversizedDownloadIsRetriedAndTheCertificateIssuedOnTheSameOrder()
    {
        var ns = NewNamespace();
        Acme.OversizeNextCertificateDownloads(1);

        await Grain(ns, "once").SyncAsync(AcmeCertificate(ns, "once", "once.example.org"));

        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "once")), s => s?.Revision == 1,
            "the Certificate issued after the oversized download"));
        Assert.Equal(2, Acme.CertificateDownloads);
        Assert.Equal(1, Acme.NewOrders);
        Assert.Contains(Fixture.Logs.Entries, e => e.Message.Contains($"Order {ns}/", StringComparison.Ordinal) && e.Message.Contains(Refusal, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOversizedDownloadThatPersistsFailsTheRequestNamingTheLimit()
    {
        var ns = NewNamespace();
        Acme.OversizeNextCertificateDownloads(int.MaxValue);

        await Grain(ns, "always").SyncAsync(AcmeCertificate(ns, "always", "always.example.org"));

        var issuing = await WhileTimePasses(() => Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "always", ConditionTypes.Issuing)),
            c => c?.Status == ConditionStatus.False, "the Certificate's Issuing condition False after the refusals", seconds: 60));
        Assert.Contains(Refusal, issuing!.Message);
        var request = Cluster.Requests.Keys.Single(k => k.Namespace == ns);
        var requestReady = Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, request)!.Conditions!
            .Single(c => c.Type == ConditionTypes.Ready);
        Assert.Equal((ConditionStatus.False, CertificateRequestReasons.Failed), (requestReady.Status, requestReady.Reason));
        Assert.Contains("The ACME server 127.0.0.1:", requestReady.Message);
        Assert.EndsWith($"sent an answer CertFleet does not read while downloading the certificate: {Refusal}", requestReady.Message);
        Assert.Equal(1, Acme.NewOrders);
    }
}
