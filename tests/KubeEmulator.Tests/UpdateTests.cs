using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class UpdateTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private Task<JsonObject> ReplaceAsync(string ns, JsonObject widget) =>
        Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(widget, TestResources.Group, TestResources.Version, ns,
            TestResources.Widgets, widget["metadata"]!["name"]!.GetValue<string>());

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_409_Conflict()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var stale = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));
        await Client.PatchWidgetAsync(ns, "w1", new JsonObject { ["spec"] = new JsonObject { ["owner"] = "a" } });

        stale["spec"]!["owner"] = "b";
        var status = await ApiAssert.FailsAsync(409, () => ReplaceAsync(ns, stale));

        Assert.Equal("Conflict", status.Reason());
        Assert.Equal(
            "Operation cannot be fulfilled on widgets.test.certfleet.io \"w1\": the object has been modified; please apply your changes to the latest version and try again",
            status.Message());
    }

    [Fact]
    public async Task Update_without_resourceVersion_is_422_for_custom_resources_and_leases()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var widget = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l1" }, Spec = new V1LeaseSpec() }, ns);

        widget["metadata"]!.AsObject().Remove("resourceVersion");
        var widgetStatus = await ApiAssert.FailsAsync(422, () => ReplaceAsync(ns, widget));
        var leaseStatus = await ApiAssert.FailsAsync(422, () => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(
            new V1Lease { Metadata = new V1ObjectMeta { Name = "l1" }, Spec = new V1LeaseSpec { HolderIdentity = "me" } }, "l1", ns));

        Assert.Equal(
            "Widget.test.certfleet.io \"w1\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
            widgetStatus.Message());
        Assert.Equal("FieldValueInvalid", widgetStatus["details"]!["causes"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(
            "Lease.coordination.k8s.io \"l1\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
            leaseStatus.Message());
    }

    [Fact]
    public async Task Lease_PUT_creates_a_missing_lease_and_renewals_conflict_on_stale_versions()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var renewTime = new DateTime(2026, 5, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1234560);

        var created = await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, RenewTime = renewTime },
        }, "leader", ns);
        var renewed = await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader", ResourceVersion = created.Metadata.ResourceVersion },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, RenewTime = renewTime.AddSeconds(2) },
        }, "leader", ns);
        await ApiAssert.FailsAsync(409, () => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "leader", ResourceVersion = created.Metadata.ResourceVersion },
            Spec = new V1LeaseSpec { HolderIdentity = "b" },
        }, "leader", ns));

        Assert.Equal(renewTime, created.Spec.RenewTime);
        Assert.NotEqual(created.Metadata.ResourceVersion, renewed.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Generation_moves_only_when_something_outside_metadata_changes()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var labelled = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!);
        var resized = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"size":"large"}}""")!);

        Assert.Equal(1, labelled.Generation());
        Assert.Equal(2, resized.Generation());
    }

    [Fact]
    public async Task Status_subresource_writes_only_status_and_keeps_generation()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var created = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var patched = await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(JsonNode.Parse("""{"status":{"phase":"Ready"},"spec":{"size":"large"},"metadata":{"labels":{"x":"y"}}}""")!, V1Patch.PatchType.MergePatch),
            TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1");

        Assert.Equal("Ready", patched["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("small", patched["spec"]!["size"]!.GetValue<string>());
        Assert.Null(patched["metadata"]!["labels"]);
        Assert.Equal(1, patched.Generation());
        Assert.NotEqual(created.ResourceVersion(), patched.ResourceVersion());
    }

    [Fact]
    public async Task Main_resource_writes_keep_status_and_create_drops_it()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var widget = TestResources.Widget("w1");
        widget["status"] = new JsonObject { ["phase"] = "Faked" };

        var created = await Client.CreateWidgetAsync(ns, widget);
        var withStatus = await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<JsonObject>(
            Merge(created, """{"status":{"phase":"Ready"}}"""), TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1");
        var updated = await ReplaceAsync(ns, Merge(withStatus, """{"status":{"phase":"Overwritten"},"spec":{"owner":"me"}}"""));

        Assert.Null(created["status"]);
        Assert.Equal("Ready", updated["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("me", updated["spec"]!["owner"]!.GetValue<string>());
        Assert.Equal(2, updated.Generation());
    }

    [Fact]
    public async Task Without_a_status_subresource_status_changes_bump_generation()
    {
        var gadget = new JsonObject
        {
            ["apiVersion"] = "test.certfleet.io/v1",
            ["kind"] = "Gadget",
            ["metadata"] = new JsonObject { ["name"] = "g-" + Guid.NewGuid().ToString("N")[..8] },
            ["status"] = new JsonObject { ["phase"] = "New" },
        };
        var name = gadget["metadata"]!["name"]!.GetValue<string>();

        var created = await Client.CustomObjects.CreateClusterCustomObjectAsync<JsonObject>(gadget, TestResources.Group, TestResources.Version, TestResources.Gadgets);
        var patched = await Client.CustomObjects.PatchClusterCustomObjectAsync<JsonObject>(
            new V1Patch(JsonNode.Parse("""{"status":{"phase":"Ready"}}""")!, V1Patch.PatchType.MergePatch),
            TestResources.Group, TestResources.Version, TestResources.Gadgets, name);

        Assert.Equal("New", created["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(2, patched.Generation());
    }

    [Fact]
    public async Task No_op_writes_keep_the_resourceVersion()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var created = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", spec: new JsonObject { ["owner"] = "a" }));

        var patched = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"owner":"a"}}""")!);
        var replaced = await ReplaceAsync(ns, created);
        var current = await Client.GetWidgetAsync(ns, "w1");

        Assert.Equal(created.ResourceVersion(), patched.ResourceVersion());
        Assert.Equal(created.ResourceVersion(), replaced.ResourceVersion());
        Assert.Equal(created.ResourceVersion(), current.ResourceVersion());
    }

    [Fact]
    public async Task Changing_the_name_or_uid_in_a_PUT_is_rejected()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var widget = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var renamed = (JsonObject)widget.DeepClone();
        renamed["metadata"]!["name"] = "w2";
        var nameStatus = await ApiAssert.FailsAsync(400, () => Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(
            renamed, TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1"));
        widget["metadata"]!["uid"] = Guid.NewGuid().ToString();
        var uidStatus = await ApiAssert.FailsAsync(409, () => ReplaceAsync(ns, widget));

        Assert.Equal("the name of the object (w2) does not match the name on the URL (w1)", nameStatus.Message());
        Assert.Contains("Precondition failed: UID in precondition", uidStatus.Message());
    }

    private static JsonObject Merge(JsonObject obj, string patch)
    {
        var copy = (JsonObject)obj.DeepClone();
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject())
        {
            if (copy[key] is JsonObject target && value is JsonObject source)
            {
                foreach (var (innerKey, innerValue) in source)
                {
                    target[innerKey] = innerValue?.DeepClone();
                }
            }
            else
            {
                copy[key] = value?.DeepClone();
            }
        }
        return copy;
    }
}
