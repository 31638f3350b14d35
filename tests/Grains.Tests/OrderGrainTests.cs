using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>
/// The Order grain against a fake ACME server. Through the whole chain from a Certificate: a CA that sheds load or is
/// in trouble, answers too large to read, new-order turns, an order whose identifiers are not the CSR's. On an Order
/// started directly (no CertificateRequest nudges it): its stepping skeleton, <see cref="StepLoop"/>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OrderGrainTests(ClusterFixture fixture) : FakeAcmeIssuerTests(fixture)
{
    private const string Refusal = "the ACME server's answer exceeded 4 MiB";

    /// <summary>A CA that sheds load (503 with Retry-After) while an order is polled: the Order waits as asked and polls again.</summary>
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

    /// <summary>A CA in trouble (500s) for longer than a few polls: the Order it holds is polled on, never given up for a second order.</summary>
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

    /// <summary>
    /// A CA whose certificate download is larger than the 4 MiB a chain may take: the refusal is retried like a network
    /// fault, and the certificate is issued on the same order once the download fits.
    /// </summary>
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

    /// <summary>When the oversized download persists, the Order, the CertificateRequest and the Certificate say which limit was exceeded.</summary>
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

    /// <summary>
    /// More orders at once than the account's new-order turns (8 per silo): the rest wait. Waiting is neither a failure
    /// nor an order that may exist at the CA.
    /// </summary>
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

    [Fact]
    public async Task AnOrderWhoseIdentifiersDifferFromTheCsrFailsWithAReasonAndTheCertificateBacksOff()
    {
        var ns = NewNamespace();
        Acme.AddIdentifierToOrders("stranger.example.test");

        await Grain(ns, "odd").SyncAsync(AcmeCertificate(ns, "odd", "odd.example.test"));

        var issuing = await WhileTimePasses(() => Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, "odd", ConditionTypes.Issuing)),
            c => c?.Status == ConditionStatus.False, "the issuance failed"));
        Assert.Contains("does not name the identifiers of the CSR", issuing!.Message);
        Assert.Contains("dns:stranger.example.test", issuing.Message);
        var status = StatusOf(Cluster, ns, "odd")!;
        Assert.Equal(1, status.FailedIssuanceAttempts);
        Assert.NotNull(status.LastFailureTime);

        var requestStatus = Cluster.Status<CertificateRequestStatus>(ResourceKind.CertificateRequest, Key(ns, "odd-1"))!;
        var ready = Assert.Single(requestStatus.Conditions!, c => c.Type == ConditionTypes.Ready);
        Assert.Equal(CertificateRequestReasons.Failed, ready.Reason);
        Assert.Contains("does not name the identifiers of the CSR", ready.Message);
        var order = Assert.Single(Cluster.Statuses, s => s.Key.Plural == ResourceKind.Order.Plural && s.Key.Key.Namespace == ns);
        var orderStatus = System.Text.Json.JsonSerializer.Deserialize<OrderStatus>(order.Value, ApiJson.Options)!;
        Assert.Equal(OrderStates.Errored, orderStatus.State);
        Assert.Contains("nothing was finalized", orderStatus.Reason);
        Assert.Equal(1, Acme.NewOrders); // the Certificate backs off (an hour) instead of ordering again
    }

    /// <summary>
    /// A pending order whose Challenge runs (here one that can never present: its DNS provider's service account is
    /// missing) is not polled while it does: the Challenge wakes it when it finishes, and the order polls only every 10 s
    /// in case that wake-up is lost. It once polled from 200 ms, doubling: seven polls in the same 30 s.
    /// </summary>
    [Fact]
    public async Task APendingOrderWaitsForItsChallengeInsteadOfPollingFromTheStart()
    {
        var ns = NewNamespace();
        var stalled = await AddIssuerAsync(ns, "stalled", new AcmeChallengeSolver
        {
            Dns01 = new AcmeDns01Solver
            {
                Route53 = new AcmeDns01Route53
                {
                    Role = "arn:aws:iam::123456789012:role/dns01",
                    Auth = new AcmeDns01Route53Auth { Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = "missing" } } },
                },
            },
        });
        Acme.StallOrdersOf(stalled.AccountUrl);

        await Grain(ns, "waits").SyncAsync(Certificate(ns, "waits", s => { s.IssuerName = "stalled"; s.IssuerKind = "Issuer"; s.DnsNames = ["waits.example.org"]; }));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Cluster.Resources.Keys.Count(k => k.Plural == ResourceKind.Challenge.Plural && k.Key.Namespace == ns)),
            n => n == 1, "the order pending with its Challenge created"));
        var (readsBefore, from) = (Acme.OrderReads, Fixture.Clock.GetUtcNow());
        await WhileTimePasses(() => Eventually(() => Task.FromResult(Fixture.Clock.GetUtcNow() - from), t => t >= TimeSpan.FromSeconds(30),
            "30 s of fake time"));

        Assert.InRange(Acme.OrderReads - readsBefore, 1, 4);
        Assert.Equal(1, Acme.NewOrders);
    }

    /// <summary>
    /// Steps run on the grain's timer, never inside a call: StartAsync returns while the CA holds the newOrder its first
    /// step sent. The reminder is registered while the order runs and gone once it has reported.
    /// </summary>
    [Fact]
    public async Task StepsRunOnTheTimerAndTheReminderLastsAsLongAsTheWork()
    {
        var ns = NewNamespace();
        var (order, key) = await DirectOrderAsync(ns);
        Acme.HoldNewOrders();
        try
        {
            await order.StartAsync(await WorkAsync(ns));
            await WhileTimePasses(() => Eventually(() => Task.FromResult(Acme.NewOrders), n => n == 1, "the newOrder the first step sent"));
            Assert.Single((await Reminders.ReadRows(OrderGrainId(key))).Reminders);
        }
        finally
        {
            Acme.ReleaseNewOrders();
        }

        var status = await WhileTimePasses(() => Eventually(() => Task.FromResult(OrderStatusOf(key)), s => s?.State == OrderStates.Valid,
            "the order valid"));
        Assert.NotNull(status!.Certificate);
        await Eventually(async () => (await Reminders.ReadRows(OrderGrainId(key))).Reminders.Count, n => n == 0,
            "the reminder unregistered once the order reported");
    }

    /// <summary>A step that throws what nothing handles runs again after 10 s: before its reminder's minute, not at once.</summary>
    [Fact]
    public async Task AStepThatThrowsRunsAgainAfterTenSeconds()
    {
        var ns = NewNamespace();
        var (order, key) = await DirectOrderAsync(ns);
        // The order is ready at once: its first step finalizes it and then fails to write "processing" to the status.
        Cluster.UnexpectedStatusFailures[ns] = true;

        await order.StartAsync(await WorkAsync(ns));
        await Eventually(() => Task.FromResult(Cluster.UnexpectedStatusFailures.ContainsKey(ns)), pending => !pending, "the step that threw");

        await Task.Delay(500);
        Assert.Null(OrderStatusOf(key)); // not run again at once
        Fixture.Clock.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(500);
        Assert.Null(OrderStatusOf(key)); // nor before its 10 s
        Fixture.Clock.Advance(TimeSpan.FromSeconds(1.5));
        // Well before the reminder's minute: the rerun finds the order valid and downloads the certificate.
        var status = await WhileTimePasses(() => Eventually(() => Task.FromResult(OrderStatusOf(key)), s => s?.State == OrderStates.Valid,
            "the order valid after the rerun", seconds: 3));
        Assert.Equal(1, Acme.Finalized);
        Assert.Equal(1, Acme.NewOrders);
        Assert.NotNull(status!.Certificate);
    }

    /// <summary>
    /// The activation is lost while the order is polled (a silo crash, say), and nothing calls the grain: its reminder
    /// starts a new activation, which carries on from the stored state to the certificate.
    /// </summary>
    [Fact]
    public async Task AnOrderWhoseActivationIsLostIsResumedByItsReminder()
    {
        var ns = NewNamespace();
        var (order, key) = await DirectOrderAsync(ns);
        Acme.HoldIssuance();
        await order.StartAsync(await WorkAsync(ns));
        await WhileTimePasses(() => Eventually(() => Task.FromResult(OrderStatusOf(key)), s => s?.State == OrderStates.Processing,
            "the order finalized and polled while the CA holds issuance"));

        await Fixture.TestCluster.DeactivateAsync(order);
        var readsBefore = Acme.OrderReads;
        Acme.ReleaseIssuance();
        // Nothing polls for a while: the step timer went with the activation.
        Fixture.Clock.Advance(TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        Assert.Equal(readsBefore, Acme.OrderReads);

        var status = await WhileTimePasses(() => Eventually(() => Task.FromResult(OrderStatusOf(key)), s => s?.State == OrderStates.Valid,
            "the order valid, resumed by its reminder", seconds: 30));
        Assert.NotNull(status!.Certificate);
        Assert.Equal(1, Acme.NewOrders);
        await Eventually(async () => (await Reminders.ReadRows(OrderGrainId(key))).Reminders.Count, n => n == 0,
            "the reminder unregistered once the order reported");
    }

    private IReminderTable Reminders => Fixture.TestCluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();

    private static GrainId OrderGrainId(ObjectKey key) => GrainId.Create("order", key.ToGrainKey());

    private OrderStatus? OrderStatusOf(ObjectKey key) => Cluster.Status<OrderStatus>(ResourceKind.Order, key);

    private Task<(IOrderGrain Order, ObjectKey Key)> DirectOrderAsync(string ns)
    {
        var key = Key(ns, "direct-1-1234567890");
        return Task.FromResult((Fixture.Grains.GetGrain<IOrderGrain>(key.ToGrainKey()), key));
    }

    /// <summary>What a CertificateRequest would ask of its Order, for this test's ClusterIssuer; no request grain holds it.</summary>
    private async Task<OrderWork> WorkAsync(string ns)
    {
        var issuer = Fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", IssuerName).ToGrainKey());
        var dnsName = $"direct.{ns}.example.test";
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec("ECDSA", null, null));
        return new OrderWork
        {
            Issuer = (await issuer.GetSnapshotAsync(null)).Acme!,
            Request = Key(ns, "direct-1"),
            RequestUid = Guid.NewGuid().ToString(),
            CsrPem = CsrBuilder.BuildPem(new CertificateTemplate { DnsNames = [dnsName] }, key),
            DnsNames = [dnsName],
        };
    }
}
