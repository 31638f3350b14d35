using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;

namespace CertFleet.Bridge.Tests.Hosting;

/// <summary>What was deleted while no silo led is delivered by the next leader, from the objects earlier terms stored.</summary>
public sealed class LeaderGapTests : EmulatorTest
{
    private static readonly string Certificates = CustomResourceSource.NameOf(ResourceKind.Certificate);

    private Task DeleteCertificateAsync(string name) =>
        Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("cert-manager.io", "v1", Api.Namespace, "certificates", name);

    [Fact]
    public async Task Objects_deleted_or_recreated_while_no_silo_led_are_delivered_as_deletions_by_the_next_leader()
    {
        await Api.CreateNamespaceAsync("cert-manager");
        var known = new MemoryKnownObjectsStore();
        var gone = await Api.CreateCertificateAsync("gone");
        var recreated = await Api.CreateCertificateAsync("recreated");
        await Api.CreateCertificateAsync("kept");
        await using (var first = await BridgeHost.StartAsync(Api.Server, "silo-a", knownObjects: known))
        {
            await Eventually.TrueAsync(() => new[] { "gone", "recreated", "kept" }.All(name => first.Receiver.Saw(Certificates, name)),
                "the first leader delivers all three");
            await Eventually.TrueAsync(() => known.Known("local", Certificates).Count == 3, "and stores them");
        }

        // No silo leads: one is deleted, one deleted and created again under its name.
        await DeleteCertificateAsync("gone");
        await DeleteCertificateAsync("recreated");
        var again = await Api.CreateCertificateAsync("recreated");

        await using var second = await BridgeHost.StartAsync(Api.Server, "silo-b", knownObjects: known);
        await Eventually.TrueAsync(() => second.Receiver.Changes.Any(c => c.Key.Name == "recreated" && !c.IsDeletion),
            "the next leader lists");
        var deletions = second.Receiver.Changes.Where(c => c.IsDeletion).Select(c => (c.Key.Name, c.Uid)).ToList();
        Assert.Contains(("gone", gone.Metadata.Uid!), deletions);
        Assert.Contains(("recreated", recreated.Metadata.Uid!), deletions);
        Assert.Equal(2, deletions.Count);
        var recreatedChanges = second.Receiver.Changes.Where(c => c.Key.Name == "recreated").ToList();
        Assert.True(recreatedChanges[0].IsDeletion, "the old object's deletion comes before the new object");
        Assert.Equal(again.Metadata.Uid, recreatedChanges[^1].Uid);

        // Delivered deletions are forgotten; the new object is remembered under its new uid.
        await Eventually.TrueAsync(() => !known.Known("local", Certificates).ContainsKey($"{Api.Namespace}/gone"),
            "the delivered deletion is forgotten");
        Assert.Equal(again.Metadata.Uid, known.Known("local", Certificates)[$"{Api.Namespace}/recreated"]);
    }
}
