using CertFleet.Interfaces.Api;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// A CA that sheds load (503 with Retry-After) while an order is polled: the Order waits as asked and polls again. A CA
/// in trouble (500s) for longer than a few polls: the Order it holds is polled on, never given up for a second order.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AcmeLoadSheddingTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    [Fact]
    public async Task AShedOrderPollIsRetriedAfterRetryAfterWithoutAFailureOrANewOrder()
    {
        var ns = NewNamespace();
        Acme.ShedNextOrderReads(1, retryAfterSeconds: 30);

        await Grain(ns, "shed").SyncAsync(AcmeCertificate(ns, "shed", "shed.example.org"));

        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "shed")), s => s?.Revision == 1,
            "the Certificate issued after the shed poll"));
        Assert.Equal(2, Acme.OrderReads); // the shed read, then the one after Retry-After
        Assert.Equal(1, Acme.NewOrders);
        Assert.Null(StatusOf(Cluster, ns, "shed")!.FailedIssuanceAttempts);
        Assert.Contains(Fixture.Logs.Entries, e => e.Message.Contains($"Order {ns}/", StringComparison.Ordinal) &&
                                                    e.Message.Contains("waiting 00:00:30 as the ACME server asked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOrderTheCaHoldsOutlastsAnOutageOfMoreThanFiveMinutes_SayingSoOnce()
    {
        var ns = NewNamespace();
        // More failed polls in a row than the Order once allowed (8) before it gave up and the Certificate ordered again:
        // polls at most 10 s apart for 5 minutes, then a minute apart, so 37 failures last past the 5 minutes.
        Acme.ShedNextOrderReads(37, retryAfterSeconds: null);

        await Grain(ns, "outage").SyncAsync(AcmeCertificate(ns, "outage", "outage.example.org"));

        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "outage")), s => s?.Revision == 1,
            "the Certificate issued after the outage", seconds: 120));
        Assert.Equal(1, Acme.NewOrders);
        Assert.Null(StatusOf(Cluster, ns, "outage")!.FailedIssuanceAttempts);
        var retrying = Assert.Single(Cluster.Events, e => e.Object.Namespace == ns && e.Reason == "Retrying");
        Assert.Contains("failing for 5 minutes now, so retried every 1 minute", retrying.Message, StringComparison.Ordinal);
        Assert.Contains("serverInternal", retrying.Message, StringComparison.Ordinal);
    }
}
