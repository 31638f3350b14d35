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
    public async Task AnOrderTheCaHoldsIsPolledThroughA5xxStorm_AndIssuedWithoutASecondOrder()
    {
        var ns = NewNamespace();
        // More failed polls in a row than the Order once allowed (8) before it gave up and the Certificate ordered again.
        Acme.ShedNextOrderReads(10, retryAfterSeconds: null);

        await Grain(ns, "storm").SyncAsync(AcmeCertificate(ns, "storm", "storm.example.org"));

        await WhileTimePasses(() => Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "storm")), s => s?.Revision == 1,
            "the Certificate issued after the storm", seconds: 60));
        Assert.Equal(11, Acme.OrderReads);
        Assert.Equal(1, Acme.NewOrders);
        Assert.Null(StatusOf(Cluster, ns, "storm")!.FailedIssuanceAttempts);
        Assert.Contains(Fixture.Logs.Entries, e => e.Message.Contains($"Order {ns}/", StringComparison.Ordinal) &&
                                                    e.Message.Contains("serverInternal", StringComparison.Ordinal));
    }
}
