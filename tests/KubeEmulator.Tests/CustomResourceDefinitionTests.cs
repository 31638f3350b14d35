using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class CustomResourceDefinitionTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private static V1CustomResourceDefinition Definition(string group) => KubernetesJson.Deserialize<V1CustomResourceDefinition>("""
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": {"name": "things.GROUP"},
          "spec": {
            "group": "GROUP",
            "scope": "Namespaced",
            "names": {"plural": "things", "kind": "Thing"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
          }
        }
        """.Replace("GROUP", group));

    [Fact]
    public async Task A_CRD_is_served_at_once_and_its_deletion_removes_its_objects()
    {
        var group = $"g{Guid.NewGuid():N}"[..12] + ".example.test";
        var ns = await emulator.CreateNamespaceAsync();
        var thing = new JsonObject { ["apiVersion"] = $"{group}/v1", ["kind"] = "Thing", ["metadata"] = new JsonObject { ["name"] = "t1" } };

        var definition = await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Definition(group));
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(thing, group, "v1", ns, "things");
        await Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(definition.Metadata.Name);

        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(definition.Metadata.Name);
                return false;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "the CRD is gone once its objects are");
        var status = await ApiAssert.FailsAsync(404, () => Client.CustomObjects.ListNamespacedCustomObjectAsync(group, "v1", ns, "things"));
        Assert.Equal("the server could not find the requested resource", status.Message());
        Assert.Contains(CleanupFinalizer, definition.Metadata.Finalizers);
    }

    [Fact]
    public async Task Invalid_CRDs_are_rejected()
    {
        var definition = Definition("nodots");
        definition.Metadata.Name = "things.nodots";

        var status = await ApiAssert.FailsAsync(422, () => Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(definition));

        Assert.Contains("spec.group: Invalid value: \"nodots\": should be a domain with at least one dot", status.Message());
    }

    private const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";
}
