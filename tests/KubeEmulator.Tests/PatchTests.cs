using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class PatchTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    [Fact]
    public async Task Merge_patch_merges_objects_and_null_deletes()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", spec: new JsonObject
        {
            ["owner"] = "a",
            ["settings"] = new JsonObject { ["keep"] = "1", ["drop"] = "2" },
        }));

        var patched = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"owner":null,"settings":{"drop":null,"add":"3"}}}""")!);

        Assert.Null(patched["spec"]!["owner"]);
        Assert.Equal("""{"keep":"1","add":"3"}""", patched["spec"]!["settings"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_patch_applies_operations_in_order()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", spec: new JsonObject { ["tags"] = new JsonArray("a", "b") }));

        var patched = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""
            [{"op":"test","path":"/spec/size","value":"small"},
             {"op":"replace","path":"/spec/size","value":"large"},
             {"op":"add","path":"/spec/tags/1","value":"c"},
             {"op":"remove","path":"/spec/tags/0"}]
            """)!, V1Patch.PatchType.JsonPatch);

        Assert.Equal("large", patched["spec"]!["size"]!.GetValue<string>());
        Assert.Equal("""["c","b"]""", patched["spec"]!["tags"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_patch_failing_test_is_422_and_malformed_patch_is_400()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        await ApiAssert.FailsAsync(422, () => Client.PatchWidgetAsync(ns, "w1",
            JsonNode.Parse("""[{"op":"test","path":"/spec/size","value":"large"}]""")!, V1Patch.PatchType.JsonPatch));
        await ApiAssert.FailsAsync(400, () => Client.PatchWidgetAsync(ns, "w1",
            JsonNode.Parse("""{"op":"remove"}""")!, V1Patch.PatchType.JsonPatch));
        var unchanged = await Client.GetWidgetAsync(ns, "w1");

        Assert.Equal("small", unchanged["spec"]!["size"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_carrying_a_stale_resourceVersion_is_409()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var created = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"owner":"a"}}""")!);

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = created.ResourceVersion() },
            ["spec"] = new JsonObject { ["owner"] = "b" },
        };

        await ApiAssert.FailsAsync(409, () => Client.PatchWidgetAsync(ns, "w1", patch));
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_keyed_lists_and_honours_directives()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "svc", Finalizers = ["example.com/a", "example.com/b"] },
            Spec = new V1ServiceSpec
            {
                Ports = [new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "https", Port = 443 }],
                Selector = new Dictionary<string, string> { ["app"] = "web" },
            },
        }, ns);

        var patch = JsonNode.Parse("""
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/a"]},
             "spec":{"$setElementOrder/ports":[{"port":8089},{"port":443}],
                     "ports":[{"port":8089,"name":"solver"},{"port":80,"$patch":"delete"},{"port":443,"name":"tls"}]}}
            """)!;
        var patched = await Client.CoreV1.PatchNamespacedServiceAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "svc", ns);

        Assert.Equal(["example.com/b"], patched.Metadata.Finalizers);
        Assert.Equal([8089, 443], patched.Spec.Ports.Select(p => p.Port));
        Assert.Equal(["solver", "tls"], patched.Spec.Ports.Select(p => p.Name));
        Assert.Equal("TCP", patched.Spec.Ports[0].Protocol);
        Assert.Equal("web", patched.Spec.Selector["app"]);
        Assert.False(string.IsNullOrEmpty(patched.Spec.ClusterIP));
    }

    [Fact]
    public async Task Strategic_merge_patch_honours_retainKeys_and_map_replacement()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "solver", Labels = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "acmesolver", Image = "solver:1" }],
                Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }],
            },
        }, ns);

        var patch = JsonNode.Parse("""
            {"metadata":{"labels":{"$patch":"replace","only":"this"}},
             "spec":{"volumes":[{"name":"data","$retainKeys":["configMap","name"],"configMap":{"name":"settings"}}],
                     "containers":[{"name":"acmesolver","image":"solver:2"}]}}
            """)!;
        var patched = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "solver", ns);

        Assert.Equal(new Dictionary<string, string> { ["only"] = "this" }, patched.Metadata.Labels);
        var volume = Assert.Single(patched.Spec.Volumes);
        Assert.Null(volume.EmptyDir);
        Assert.Equal("settings", volume.ConfigMap.Name);
        Assert.Equal("solver:2", Assert.Single(patched.Spec.Containers).Image);
        Assert.Equal("Pending", patched.Status.Phase);
    }

    [Fact]
    public async Task Strategic_merge_patch_replaces_lists_without_merge_keys()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("a.example.test"), ns);

        var patch = JsonNode.Parse("""{"spec":{"tls":[{"hosts":["b.example.test"],"secretName":"web-tls"}]}}""")!;
        var patched = await Client.NetworkingV1.PatchNamespacedIngressAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "web", ns);

        Assert.Equal(["b.example.test"], patched.Spec.Tls.Single().Hosts);
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact]
    public async Task Strategic_merge_patch_on_a_custom_resource_is_415()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var status = await ApiAssert.FailsAsync(415, () => Client.PatchWidgetAsync(ns, "w1",
            JsonNode.Parse("""{"spec":{"owner":"x"}}""")!, V1Patch.PatchType.StrategicMergePatch));

        Assert.Equal("UnsupportedMediaType", status.Reason());
    }

    [Fact]
    public async Task Patching_a_missing_object_is_404()
    {
        var ns = await emulator.CreateNamespaceAsync();

        await ApiAssert.FailsAsync(404, () => Client.PatchWidgetAsync(ns, "absent", JsonNode.Parse("""{"spec":{"owner":"x"}}""")!));
    }

    internal static V1Ingress Ingress(string host) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { ["cert-manager.io/cluster-issuer"] = "x" } },
        Spec = new V1IngressSpec
        {
            Tls = [new V1IngressTLS { Hosts = [host], SecretName = "web-tls" }],
            Rules =
            [
                new V1IngressRule
                {
                    Host = host,
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths =
                        [
                            new V1HTTPIngressPath
                            {
                                Path = "/",
                                PathType = "Prefix",
                                Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "web", Port = new V1ServiceBackendPort { Number = 80 } } },
                            },
                        ],
                    },
                },
            ],
        },
    };
}
