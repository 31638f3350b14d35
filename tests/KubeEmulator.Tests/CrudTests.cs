using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class CrudTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    [Fact]
    public async Task Create_sets_server_fields_and_get_returns_the_object()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var created = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));
        var fetched = await Client.GetWidgetAsync(ns, "w1");

        var metadata = created["metadata"]!;
        Assert.True(Guid.TryParse(metadata["uid"]!.GetValue<string>(), out _));
        Assert.True(long.Parse(created.ResourceVersion(), CultureInfo.InvariantCulture) > 0);
        Assert.Equal(1, created.Generation());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", metadata["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(ns, metadata["namespace"]!.GetValue<string>());
        Assert.Equal(created.ResourceVersion(), fetched.ResourceVersion());
        Assert.Equal(1, fetched["spec"]!["replicas"]!.GetValue<int>()); // schema default applied
    }

    [Fact]
    public async Task Resource_versions_come_from_one_increasing_counter()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var widget = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));
        var secret = await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s1" } }, ns);
        var list = await Client.CoreV1.ListNamespacedSecretAsync(ns);

        var widgetVersion = long.Parse(widget.ResourceVersion(), CultureInfo.InvariantCulture);
        var secretVersion = long.Parse(secret.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        Assert.True(secretVersion > widgetVersion);
        Assert.True(long.Parse(list.Metadata.ResourceVersion, CultureInfo.InvariantCulture) >= secretVersion);
    }

    [Fact]
    public async Task GenerateName_appends_five_characters()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "cm-acme-http-solver-" } }, ns);

        Assert.Matches("^cm-acme-http-solver-[bcdfghjklmnpqrstvwxz2456789]{5}$", created.Metadata.Name);
    }

    [Fact]
    public async Task Missing_object_is_404_with_apiserver_wording()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var status = await ApiAssert.FailsAsync(404, () => Client.GetWidgetAsync(ns, "nope"));
        var core = await ApiAssert.FailsAsync(404, () => Client.CoreV1.ReadNamespacedSecretAsync("nope", ns));

        Assert.Equal("widgets.test.certfleet.io \"nope\" not found", status.Message());
        Assert.Equal("NotFound", status.Reason());
        Assert.Equal("test.certfleet.io", status["details"]!["group"]!.GetValue<string>());
        Assert.Equal("widgets", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("secrets \"nope\" not found", core.Message());
        Assert.Null(core["details"]!["group"]);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1"));

        var status = await ApiAssert.FailsAsync(409, () => Client.CreateWidgetAsync(ns, TestResources.Widget("w1")));

        Assert.Equal("AlreadyExists", status.Reason());
        Assert.Equal("widgets.test.certfleet.io \"w1\" already exists", status.Message());
    }

    [Fact]
    public async Task Creating_in_a_missing_namespace_is_404_for_the_namespace()
    {
        var status = await ApiAssert.FailsAsync(404, () => Client.CreateWidgetAsync("does-not-exist", TestResources.Widget("w1")));

        Assert.Equal("namespaces \"does-not-exist\" not found", status.Message());
    }

    [Fact]
    public async Task Seeded_namespaces_exist_and_Gateway_API_is_served_in_v1_and_v1beta1()
    {
        var namespaces = await Client.CoreV1.ListNamespaceAsync();
        var ns = await emulator.CreateNamespaceAsync();
        var gateway = new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1beta1",
            ["kind"] = "Gateway",
            ["metadata"] = new JsonObject { ["name"] = "gw" },
            ["spec"] = new JsonObject { ["gatewayClassName"] = "istio", ["listeners"] = new JsonArray() },
        };

        await Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(gateway, "gateway.networking.k8s.io", "v1beta1", ns, "gateways");
        var asV1 = await Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>("gateway.networking.k8s.io", "v1", ns, "gateways", "gw");

        Assert.Superset(new HashSet<string> { "default", "kube-system", "kube-public", "kube-node-lease" },
            namespaces.Items.Select(n => n.Metadata.Name).ToHashSet());
        Assert.Equal("gateway.networking.k8s.io/v1", asV1["apiVersion"]!.GetValue<string>());
        Assert.Equal("istio", asV1["spec"]!["gatewayClassName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Applied_CRD_is_established_and_served()
    {
        var definition = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.test.certfleet.io");

        var conditions = definition.Status.Conditions.ToDictionary(c => c.Type, c => c.Status);
        Assert.Equal("True", conditions["Established"]);
        Assert.Equal("True", conditions["NamesAccepted"]);
        Assert.Equal(["v1"], definition.Status.StoredVersions);
    }

    [Fact]
    public async Task Secret_data_round_trips_and_type_defaults_to_Opaque()
    {
        var ns = await emulator.CreateNamespaceAsync();

        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s1" },
            Data = new Dictionary<string, byte[]> { ["tls.key"] = [1, 2, 3] },
            StringData = new Dictionary<string, string> { ["note"] = "hello" },
        }, ns);
        var secret = await Client.CoreV1.ReadNamespacedSecretAsync("s1", ns);

        Assert.Equal("Opaque", secret.Type);
        Assert.Equal([1, 2, 3], secret.Data["tls.key"]);
        Assert.Equal("hello"u8.ToArray(), secret.Data["note"]);
        Assert.Null(secret.StringData);
    }

    [Fact]
    public async Task Time_fields_of_built_ins_are_truncated_to_seconds_and_micro_times_keep_microseconds()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var when = new DateTime(2026, 3, 1, 12, 30, 45, 123, DateTimeKind.Utc).AddTicks(4560);

        await Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "e1" },
            InvolvedObject = new V1ObjectReference { Kind = "Widget", Name = "w1", NamespaceProperty = ns },
            FirstTimestamp = when,
            EventTime = when,
            Reason = "Test",
        }, ns);
        using var http = RawHttp.Create(emulator.Server);
        var json = await http.GetJsonAsync($"/api/v1/namespaces/{ns}/events/e1");

        Assert.Equal("2026-03-01T12:30:45Z", json["firstTimestamp"]!.GetValue<string>());
        Assert.Equal("2026-03-01T12:30:45.123456Z", json["eventTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task Requests_use_HTTP_2_over_TLS()
    {
        using var response = await Client.CoreV1.ListNamespaceWithHttpMessagesAsync();

        Assert.Equal(new Version(2, 0), response.Response.Version);
    }
}
