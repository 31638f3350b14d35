using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces;
using Orleans.Runtime;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

/// <summary>Every log line of a Certificate's flow carries a scope naming the Certificate, however the turn started.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LogScopeTests(ClusterFixture fixture)
{
    private const string Failure = "reconcile failed";

    private ICertificateGrain Grain(string ns, string name) => fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    private Task<List<LogEntry>> FailuresAsync(string ns, string name, int atLeast) =>
        Eventually(() => Task.FromResult(fixture.Logs.Entries
                .Where(e => e.Message.Contains(Failure, StringComparison.Ordinal) && e.Message.Contains($"{ns}/{name}", StringComparison.Ordinal))
                .ToList()),
            found => found.Count >= atLeast, $"{atLeast} \"{Failure}\" log lines for {ns}/{name}");

    private static void AssertNamesCertificate(LogEntry entry, string ns, string name)
    {
        var scopes = entry.Scopes.Where(s => s.ContainsKey("Kind")).ToList();
        var scope = Assert.Single(scopes); // exactly one object scope: no doubled scope from filter and timer
        Assert.Equal("Certificate", scope["Kind"]);
        Assert.Equal(TestObjects.Cluster, scope["Cluster"]);
        Assert.Equal(ns, scope["Namespace"]);
        Assert.Equal(name, scope["Name"]);
        Assert.Equal($"{ns}/{name}", scope["Object"]);
    }

    [Fact]
    public async Task TimerStepAndGrainCallLogLinesNameTheCertificate()
    {
        var ns = NewNamespace();
        fixture.Cluster.FailingStatusNamespaces[ns] = true;

        // Sync only schedules the reconcile on the step timer: the first failure is logged from the timer's turn.
        await Grain(ns, "bad").SyncAsync(Certificate(ns, "bad", s => s.Duration = "1m"));
        var fromTimer = (await FailuresAsync(ns, "bad", 1))[0];
        AssertNamesCertificate(fromTimer, ns, "bad");

        // A direct grain call logs the same failure inside the call.
        await Grain(ns, "bad").ReconcileAsync();
        var fromCall = (await FailuresAsync(ns, "bad", 2))[1];
        AssertNamesCertificate(fromCall, ns, "bad");
    }

    [Fact]
    public async Task ReminderTickLogLinesNameTheCertificate()
    {
        var ns = NewNamespace();
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey()).SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        await Grain(ns, "short").SyncAsync(Certificate(ns, "short", s => { s.Duration = "3h"; s.RenewBefore = "1h"; }));
        var issued = await Eventually(() => Task.FromResult(StatusOf(fixture.Cluster, ns, "short")), s => s?.Revision == 1, "revision 1");
        // The reminder must be armed before the clock moves, or it is armed relative to the moved clock.
        await Eventually(() => Grain(ns, "short").GetStateAsync(), s => s.WakeAt == issued!.RenewalTime, "the renewal reminder");

        // Nothing calls the grain now: only the renewal reminder wakes it, and its status write fails.
        fixture.Cluster.FailingStatusNamespaces[ns] = true;
        fixture.Clock.SetUtcNow(issued!.RenewalTime!.Value);
        var fromReminder = (await FailuresAsync(ns, "short", 1))[0];
        AssertNamesCertificate(fromReminder, ns, "short");
    }

    [Theory]
    [InlineData("certificate", "local/default/web", "Certificate local/default/web", "Certificate")]
    [InlineData("order", "local/shop/shop-1-123", "Order local/shop/shop-1-123", "Order")]
    [InlineData("issuer", "local/-/letsencrypt", "ClusterIssuer local/letsencrypt", "ClusterIssuer")]
    [InlineData("acmeaccount", "local/team/acme", "Issuer local/team/acme", "Issuer")]
    public void ScopeNamesTheObjectOfAGrainKey(string grainType, string key, string text, string kind)
    {
        var scope = Logging.GrainLogScope.For(GrainId.Create(grainType, key))!;
        Assert.Equal(text, scope.ToString());
        Assert.Equal(kind, scope.Single(f => f.Key == "Kind").Value);
    }

    [Theory]
    [InlineData("http01tokens", "live")]
    [InlineData("certificate", "not-an-object-key")]
    public void GrainsNotKeyedByAnObjectGetNoScope(string grainType, string key) =>
        Assert.Null(Logging.GrainLogScope.For(GrainId.Create(grainType, key)));
}
