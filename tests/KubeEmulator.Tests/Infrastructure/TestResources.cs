using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests.Infrastructure;

/// <summary>
/// The custom resources the tests use: Widget (namespaced, status subresource, printer columns, a schema using
/// most structural-schema keywords) and Gadget (cluster-scoped, no status subresource).
/// </summary>
public static class TestResources
{
    public const string Group = "test.certfleet.io";
    public const string Version = "v1";
    public const string Widgets = "widgets";
    public const string Gadgets = "gadgets";

    private const string WidgetDefinition = """
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": {"name": "widgets.test.certfleet.io"},
          "spec": {
            "group": "test.certfleet.io",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"], "categories": ["testall"]},
            "versions": [{
              "name": "v1", "served": true, "storage": true,
              "subresources": {"status": {}},
              "selectableFields": [{"jsonPath": ".spec.size"}],
              "additionalPrinterColumns": [
                {"name": "Size", "type": "string", "jsonPath": ".spec.size"},
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                {"name": "Owner", "type": "string", "jsonPath": ".spec.owner", "priority": 1},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
              ],
              "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                  "spec": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {
                      "size": {"type": "string", "enum": ["small", "large"]},
                      "owner": {"type": "string", "maxLength": 10},
                      "replicas": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1},
                      "tags": {"type": "array", "maxItems": 3, "items": {"type": "string", "pattern": "^[a-z]+$"}},
                      "ports": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}
                      },
                      "settings": {"type": "object", "additionalProperties": {"type": "string"}},
                      "target": {"x-kubernetes-int-or-string": true},
                      "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                  },
                  "status": {
                    "type": "object",
                    "properties": {
                      "phase": {"type": "string"},
                      "conditions": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
                    }
                  }
                }
              }}
            }]
          }
        }
        """;

    private const string GadgetDefinition = """
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": {"name": "gadgets.test.certfleet.io"},
          "spec": {
            "group": "test.certfleet.io",
            "scope": "Cluster",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            "versions": [{
              "name": "v1", "served": true, "storage": true,
              "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
            }]
          }
        }
        """;

    public static async Task InstallAsync(Kubernetes client)
    {
        foreach (var definition in new[] { WidgetDefinition, GadgetDefinition })
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(definition));
        }
    }

    /// <summary>A Widget manifest; <paramref name="spec"/> extra fields are merged into spec.</summary>
    public static JsonObject Widget(string name, string size = "small", JsonObject? spec = null, JsonObject? metadata = null)
    {
        var specObject = new JsonObject { ["size"] = size };
        foreach (var (key, value) in spec ?? [])
        {
            specObject[key] = value?.DeepClone();
        }
        var meta = (JsonObject?)metadata?.DeepClone() ?? [];
        meta["name"] = name;
        return new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "Widget",
            ["metadata"] = meta,
            ["spec"] = specObject,
        };
    }

    public static Task<JsonObject> CreateWidgetAsync(this Kubernetes client, string ns, JsonObject widget) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(widget, Group, Version, ns, Widgets);

    public static Task<JsonObject> GetWidgetAsync(this Kubernetes client, string ns, string name) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Widgets, name);

    public static Task<JsonObject> PatchWidgetAsync(
        this Kubernetes client, string ns, string name, object patch, V1Patch.PatchType type = V1Patch.PatchType.MergePatch) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(new V1Patch(patch, type), Group, Version, ns, Widgets, name);

    public static string ResourceVersion(this JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static long Generation(this JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();

    public static string Uid(this JsonObject obj) => obj["metadata"]!["uid"]!.GetValue<string>();
}
