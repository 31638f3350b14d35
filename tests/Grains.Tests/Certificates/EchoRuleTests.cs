using System.Globalization;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests.Certificates;

/// <summary>
/// The one echo rule on a running Certificate: a watch event at or below the resourceVersion of its own last write is
/// its own echo; a later one is someone else's change and is acted on.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EchoRuleTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private ICertificateGrain Grain(string ns, string name) => fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    private async Task<Certificate> IssuedAsync(string ns, string name)
    {
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", "selfsigned").ToGrainKey()).SyncAsync(SelfSignedClusterIssuer("selfsigned"));
        var certificate = Certificate(ns, name);
        await Grain(ns, name).SyncAsync(certificate);
        await Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, name, ConditionTypes.Ready)), c => c?.Reason == CertificateReasons.Ready, "Ready");
        return certificate;
    }

    private static string Plus(string version, int delta) =>
        (long.Parse(version, CultureInfo.InvariantCulture) + delta).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task StatusAtOrBelowTheOwnWriteIsAnEchoAndALaterManualRenewalIsSeen()
    {
        var ns = NewNamespace();
        var certificate = await IssuedAsync(ns, "echo");
        var written = (await Grain(ns, "echo").GetStateAsync()).StatusResourceVersion!;
        var status = StatusOf(Cluster, ns, "echo")!;

        foreach (var version in new[] { written, Plus(written, -1) })
        {
            await Grain(ns, "echo").SyncAsync(certificate with { Metadata = certificate.Metadata with { ResourceVersion = version }, Status = status });
            Assert.NotNull((await Grain(ns, "echo").GetStateAsync()).WrittenStatus); // its own status: nothing to re-decide
        }

        // cmctl renew, written after the grain's own write
        var renew = new Condition
        {
            Type = ConditionTypes.Issuing, Status = ConditionStatus.True, Reason = CertificateReasons.ManuallyTriggered,
            Message = "Certificate re-issuance manually triggered", ObservedGeneration = 1,
        };
        await Grain(ns, "echo").SyncAsync(certificate with
        {
            Metadata = certificate.Metadata with { ResourceVersion = Plus(written, 1) },
            Status = status with { Conditions = [.. status.Conditions!, renew] },
        });
        await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "echo")), s => s?.Revision == 2, "revision 2 after the manual trigger");
    }

    [Fact]
    public async Task SecretEventsAtOrBelowTheOwnWriteAreIgnoredAndLaterOnesRepairTheSecret()
    {
        var ns = NewNamespace();
        await IssuedAsync(ns, "secret");
        var key = Key(ns, "secret-tls");
        var own = (await Grain(ns, "secret").GetStateAsync()).SecretResourceVersion!;
        Assert.Equal(Cluster.Secrets[key].ResourceVersion, own);

        // someone removes the controller label; an event carrying the grain's own version is not about it
        Cluster.Secrets[key] = Cluster.Secrets[key] with { Labels = [] };
        foreach (var version in new[] { own, Plus(own, -1) })
            await Grain(ns, "secret").SecretChangedAsync(new SecretMetadata(key, "uid", version, new Dictionary<string, string>(), new Dictionary<string, string>()));
        await Task.Delay(500); // a pass, had one been scheduled, runs at once from its timer
        await Grain(ns, "secret").GetStateAsync();
        Assert.Empty(Cluster.Secrets[key].Labels);

        await Grain(ns, "secret").SecretChangedAsync(new SecretMetadata(key, "uid", Plus(own, 1), new Dictionary<string, string>(), new Dictionary<string, string>()));
        await Eventually(() => Task.FromResult(Cluster.Secrets[key].Labels.GetValueOrDefault(Labels.ControllerFao)), v => v == Labels.True, "the label put back");
    }
}
