using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class DeletionTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private Task<object> DeleteWidgetAsync(string ns, string name, string? propagation = null) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, name,
            propagationPolicy: propagation);

    private async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static V1OwnerReference OwnerReference(JsonObject owner, bool block = false) => new()
    {
        ApiVersion = "test.certfleet.io/v1",
        Kind = "Widget",
        Name = owner["metadata"]!["name"]!.GetValue<string>(),
        Uid = owner.Uid(),
        BlockOwnerDeletion = block,
    };

    [Fact]
    public async Task Finalizers_hold_deletion_until_the_last_one_is_removed()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var metadata = new JsonObject { ["finalizers"] = new JsonArray("test.certfleet.io/a", "test.certfleet.io/b") };
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", metadata: metadata));

        await DeleteWidgetAsync(ns, "w1");
        var terminating = await Client.GetWidgetAsync(ns, "w1");
        await DeleteWidgetAsync(ns, "w1");
        var again = await Client.GetWidgetAsync(ns, "w1");
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""[{"op":"remove","path":"/metadata/finalizers/0"}]""")!, V1Patch.PatchType.JsonPatch);
        var stillThere = await Client.GetWidgetAsync(ns, "w1");
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);

        Assert.NotNull(terminating["metadata"]!["deletionTimestamp"]);
        Assert.Equal(0, terminating["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<int>());
        Assert.Equal(2, terminating.Generation());
        Assert.Equal(terminating.ResourceVersion(), again.ResourceVersion());
        Assert.Equal(["test.certfleet.io/b"], stillThere["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.False(await ExistsAsync(() => Client.GetWidgetAsync(ns, "w1")));
    }

    [Fact]
    public async Task No_finalizer_may_be_added_while_terminating()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", metadata: new JsonObject { ["finalizers"] = new JsonArray("test.certfleet.io/a") }));
        await DeleteWidgetAsync(ns, "w1");

        var status = await ApiAssert.FailsAsync(422, () => Client.PatchWidgetAsync(ns, "w1",
            JsonNode.Parse("""{"metadata":{"finalizers":["test.certfleet.io/a","test.certfleet.io/new"]}}""")!));

        Assert.Contains("metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted", status.Message());
    }

    [Fact]
    public async Task Delete_preconditions_are_checked()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var status = await ApiAssert.FailsAsync(409, () => Client.CustomObjects.DeleteNamespacedCustomObjectAsync(TestResources.Group,
            TestResources.Version, ns, TestResources.Widgets, "w1", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "other" } }));

        Assert.Contains("Precondition failed: UID in precondition: other", status.Message());
        Assert.True(await ExistsAsync(() => Client.GetWidgetAsync(ns, "w1")));
    }

    [Fact]
    public async Task Deleting_a_secret_answers_a_Success_status()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s1" } }, ns);

        var status = await Client.CoreV1.DeleteNamespacedSecretAsync("s1", ns);

        Assert.Equal("Success", status.Status);
        Assert.Equal("s1", status.Details.Name);
    }

    [Fact]
    public async Task Dependents_are_collected_once_all_owners_are_gone()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var first = await Client.CreateWidgetAsync(ns, TestResources.Widget("owner-a"));
        var second = await Client.CreateWidgetAsync(ns, TestResources.Widget("owner-b"));
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "child", OwnerReferences = [OwnerReference(first), OwnerReference(second)] },
        }, ns);

        await DeleteWidgetAsync(ns, "owner-a");
        await Eventually.HoldsAsync(async () =>
            (await Client.CoreV1.ReadNamespacedConfigMapAsync("child", ns)).Metadata.OwnerReferences.Count == 1,
            "the reference to the deleted owner is dropped");
        await DeleteWidgetAsync(ns, "owner-b");
        await Eventually.HoldsAsync(async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespacedConfigMapAsync("child", ns)),
            "the orphaned ConfigMap is collected");
    }

    [Fact]
    public async Task Foreground_deletion_removes_blocking_dependents_first()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var owner = await Client.CreateWidgetAsync(ns, TestResources.Widget("owner"));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "child", OwnerReferences = [OwnerReference(owner, block: true)] },
        }, ns);

        await DeleteWidgetAsync(ns, "owner", "Foreground");

        await Eventually.HoldsAsync(async () =>
            !await ExistsAsync(() => Client.CoreV1.ReadNamespacedSecretAsync("child", ns)) &&
            !await ExistsAsync(() => Client.GetWidgetAsync(ns, "owner")),
            "owner and dependent are both gone");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_without_the_reference()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var owner = await Client.CreateWidgetAsync(ns, TestResources.Widget("owner"));
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "child", OwnerReferences = [OwnerReference(owner)] },
        }, ns);

        await DeleteWidgetAsync(ns, "owner", "Orphan");

        await Eventually.HoldsAsync(async () => !await ExistsAsync(() => Client.GetWidgetAsync(ns, "owner")), "the owner is deleted");
        var child = await Client.CoreV1.ReadNamespacedConfigMapAsync("child", ns);
        Assert.Null(child.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_its_objects_then_the_namespace()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", metadata: new JsonObject { ["finalizers"] = new JsonArray("test.certfleet.io/hold") }));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s1" } }, ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);
        var terminating = await Client.CoreV1.ReadNamespaceAsync(ns);
        var refused = await ApiAssert.FailsAsync(403, () => Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late" } }, ns));
        await Eventually.HoldsAsync(async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespacedSecretAsync("s1", ns)), "the secret is deleted");
        var held = await Client.GetWidgetAsync(ns, "w1");
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);

        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.Contains("because it is being terminated", refused.Message());
        Assert.NotNull(held["metadata"]!["deletionTimestamp"]);
        await Eventually.HoldsAsync(async () => !await ExistsAsync(() => Client.CoreV1.ReadNamespaceAsync(ns)), "the namespace is gone");
    }
}
