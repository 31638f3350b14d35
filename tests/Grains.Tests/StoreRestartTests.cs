using CertFleet.Interfaces.Api;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// The store restarts under a write: the write lands but its answer is lost, so the grain's next write conflicts with
/// its own. Each grain of the ACME chain carries on from what is stored and the certificate is issued once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StoreRestartTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    [Theory]
    [InlineData("certificate", 0)] // the next key's record (a sync leaves saving the object to the pass it schedules)
    [InlineData("certificaterequest", 0)] // the Order's name with the pending outcome
    [InlineData("order", 1)] // the mark made before newOrder is sent: recovery looks for the order in the account's list
    [InlineData("order", 2)] // the order's URL, written once the order is placed
    public async Task AWriteWhoseAnswerWasLostDoesNotStopTheIssuance(string stateName, int writesToPass)
    {
        var ns = NewNamespace();
        var lostBefore = Fixture.Storage.AnswersLost;
        Fixture.Storage.LoseAnswerToWrite(stateName, ns, writesToPass);

        await Grain(ns, "web").SyncAsync(AcmeCertificate(ns, "web", "web.restart.example"));

        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "web")), s => s?.Revision == 1,
            "the Certificate issued after the lost answer", seconds: 60));
        Assert.Equal(lostBefore + 1, Fixture.Storage.AnswersLost);
        Assert.Equal(CertificateReasons.Ready, Reason(ns, "web", ConditionTypes.Ready));
        Assert.Equal(1, Acme.NewOrders);
    }
}
