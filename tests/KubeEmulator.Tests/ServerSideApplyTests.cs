using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class ServerSideApplyTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private Task<JsonObject> ApplyAsync(string ns, JsonObject config, string? manager, bool force = false) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(config, V1Patch.PatchType.ApplyPatch), TestResources.Group, TestResources.Version, ns, TestResources.Widgets,
            config["metadata"]!["name"]!.GetValue<string>(), fieldManager: manager, force: force);

    [Fact]
    public async Task Apply_creates_then_merges_and_removes_what_the_manager_stopped_sending()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var created = await ApplyAsync(ns, TestResources.Widget("w1", spec: new JsonObject { ["owner"] = "a", ["tags"] = new JsonArray("x") }), "ctl");
        var merged = await ApplyAsync(ns, TestResources.Widget("w1", spec: new JsonObject { ["owner"] = "a" }), "ctl");

        Assert.Equal("x", created["spec"]!["tags"]![0]!.GetValue<string>());
        Assert.Null(merged["spec"]!["tags"]);
        Assert.Equal("a", merged["spec"]!["owner"]!.GetValue<string>());
        var entry = merged["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal("ctl", entry["manager"]!.GetValue<string>());
        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:owner"]);
    }

    [Fact]
    public async Task Apply_of_another_managers_field_conflicts_unless_forced()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await ApplyAsync(ns, TestResources.Widget("w1", "small"), "first");

        var status = await ApiAssert.FailsAsync(409, () => ApplyAsync(ns, TestResources.Widget("w1", "large"), "second"));
        var forced = await ApplyAsync(ns, TestResources.Widget("w1", "large"), "second", force: true);

        Assert.Equal("FieldManagerConflict", status["details"]!["causes"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(".spec.size", status["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        Assert.Contains("conflict with \"first\"", status.Message());
        Assert.Equal("large", forced["spec"]!["size"]!.GetValue<string>());
    }

    [Fact]
    public async Task Keyed_lists_merge_per_key_between_managers()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var portA = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "a", ["port"] = 1 }) };
        var portB = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "b", ["port"] = 2 }) };

        await ApplyAsync(ns, TestResources.Widget("w1", spec: portA), "first");
        var merged = await ApplyAsync(ns, TestResources.Widget("w1", spec: portB), "second");

        Assert.Equal(["a", "b"], merged["spec"]!["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Apply_without_a_field_manager_is_422()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var status = await ApiAssert.FailsAsync(422, () => ApplyAsync(ns, TestResources.Widget("w1"), null));

        Assert.Contains("fieldManager: Required value: is required for apply patch", status.Message());
    }

    [Fact]
    public async Task Apply_works_on_built_in_secrets()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "tls", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["controller.cert-manager.io/fao"] = "true" } },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1], ["tls.key"] = [2] },
        };

        var created = await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(secret, V1Patch.PatchType.ApplyPatch), "tls", ns, fieldManager: "certfleet");
        secret.Data["ca.crt"] = [3];
        var updated = await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(secret, V1Patch.PatchType.ApplyPatch), "tls", ns, fieldManager: "certfleet");

        Assert.Equal("kubernetes.io/tls", created.Type);
        Assert.Equal(3, updated.Data.Count);
        Assert.Equal("true", updated.Metadata.Labels["controller.cert-manager.io/fao"]);
    }
}
