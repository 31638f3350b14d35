using CertFleet.Interfaces.Api;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// More orders at once than the account's new-order turns (8 per silo): the rest wait. Waiting is neither a failure
/// nor an order that may exist at the CA.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NewOrderTurnTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    [Fact]
    public async Task AnOrderThatGetsNoTurnWaitsAndIsIssuedWithoutAFailureOrASecondOrder()
    {
        var ns = NewNamespace();
        var names = Enumerable.Range(0, 9).Select(i => $"t{i}").ToList();
        Acme.HoldNewOrders();
        try
        {
            foreach (var name in names)
                await Grain(ns, name).SyncAsync(AcmeCertificate(ns, name, $"{name}.turns.example"));

            // Eight new orders hang at the CA; the ninth waits 5 s for a turn, gets none and is not sent.
            await WhileTimePasses(() => Eventually(() => Task.FromResult(Fixture.Logs.Entries.Any(e =>
                    e.Message.Contains($"Order {ns}/", StringComparison.Ordinal) &&
                    e.Message.Contains("was still busy with earlier new orders (at most 8 at once)", StringComparison.Ordinal))),
                found => found, "an order that got no turn"));
            Assert.Equal(8, Acme.NewOrders);
        }
        finally
        {
            Acme.ReleaseNewOrders();
        }

        await WhileTimePasses(() => Eventually(() => Task.FromResult(names.Count(n => Reason(ns, n, ConditionTypes.Ready) == CertificateReasons.Ready)),
            ready => ready == names.Count, "all nine issued", seconds: 60));
        Assert.Equal(names.Count, Acme.NewOrders);
        Assert.All(names, n => Assert.Null(StatusOf(Cluster, ns, n)!.FailedIssuanceAttempts));
        // Not taken for an order that may exist (that would search the account's orders), nor counted as a failure.
        Assert.Equal(0, Acme.OrderListReads);
        Assert.DoesNotContain(Fixture.Logs.Entries, e => e.Message.Contains($"Order {ns}/", StringComparison.Ordinal) &&
                                                         e.Message.Contains("retrying after", StringComparison.Ordinal));
    }
}
