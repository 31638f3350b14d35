using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class SelectorTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private async Task<string> NamespaceWithLabelledConfigMapsAsync()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var labels = new (string Name, Dictionary<string, string> Labels)[]
        {
            ("gold", new() { ["tier"] = "gold", ["app"] = "web" }),
            ("silver", new() { ["tier"] = "silver", ["app"] = "web" }),
            ("plain", new() { ["app"] = "db" }),
        };
        foreach (var (name, set) in labels)
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = set } }, ns);
        }
        return ns;
    }

    [Theory]
    [InlineData("tier=gold", "gold")]
    [InlineData("tier==gold", "gold")]
    [InlineData("tier!=gold", "plain,silver")]
    [InlineData("tier in (gold, silver)", "gold,silver")]
    [InlineData("tier notin (gold)", "plain,silver")]
    [InlineData("tier", "gold,silver")]
    [InlineData("!tier", "plain")]
    [InlineData("app=web,tier!=silver", "gold")]
    public async Task Label_selectors_support_every_operator(string selector, string expected)
    {
        var ns = await NamespaceWithLabelledConfigMapsAsync();

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector);

        Assert.Equal(expected, string.Join(",", list.Items.Select(i => i.Metadata.Name)));
    }

    [Fact]
    public async Task Field_selectors_work_on_names_secret_types_and_event_subjects()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "tls" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1], ["tls.key"] = [2] },
        }, ns);
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "opaque" } }, ns);
        await Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "e1" },
            InvolvedObject = new V1ObjectReference { Kind = "Certificate", Name = "c1", NamespaceProperty = ns, Uid = "u1" },
            Reason = "Issuing",
            Source = new V1EventSource { Component = "certfleet" },
        }, ns);

        var byName = await Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "metadata.name=opaque");
        var byType = await Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "type=kubernetes.io/tls");
        var byNotType = await Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "type!=kubernetes.io/tls");
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns,
            fieldSelector: $"involvedObject.kind=Certificate,involvedObject.name=c1,involvedObject.namespace={ns},involvedObject.uid=u1,source=certfleet");
        var otherEvents = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=c2");

        Assert.Equal("opaque", byName.Items.Single().Metadata.Name);
        Assert.Equal("tls", byType.Items.Single().Metadata.Name);
        Assert.Equal("opaque", byNotType.Items.Single().Metadata.Name);
        Assert.Equal("e1", events.Items.Single().Metadata.Name);
        Assert.Empty(otherEvents.Items);
    }

    [Fact]
    public async Task Custom_resources_select_on_metadata_and_their_selectable_fields()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("small-one", "small"));
        await Client.CreateWidgetAsync(ns, TestResources.Widget("large-one", "large"));

        var bySize = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(TestResources.Group, TestResources.Version, ns,
            TestResources.Widgets, fieldSelector: "spec.size=large");
        var byNamespace = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(TestResources.Group, TestResources.Version, ns,
            TestResources.Widgets, fieldSelector: $"metadata.namespace={ns},metadata.name=small-one");

        Assert.Equal("large-one", bySize["items"]!.AsArray().Single()!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("small-one", byNamespace["items"]!.AsArray().Single()!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unsupported_field_labels_are_400()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var status = await ApiAssert.FailsAsync(400, () => Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(
            TestResources.Group, TestResources.Version, ns, TestResources.Widgets, fieldSelector: "spec.owner=x"));

        Assert.Equal("BadRequest", status.Reason());
        Assert.Equal("field label not supported: spec.owner", status.Message());
    }
}
