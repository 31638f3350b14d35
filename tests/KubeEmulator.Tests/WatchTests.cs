using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class WatchTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private WatchRecorder<V1Secret> WatchSecrets(string ns, string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null) =>
        WatchSecrets(Client, ns, resourceVersion, bookmarks, timeoutSeconds);

    internal static WatchRecorder<V1Secret> WatchSecrets(
        Kubernetes client, string ns, string? resourceVersion, bool bookmarks = false, int? timeoutSeconds = null) =>
        new((onError, ct) => client.CoreV1.WatchListNamespacedSecretAsync(ns, allowWatchBookmarks: bookmarks,
            resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct));

    private WatchRecorder<JsonObject> WatchWidgets(string ns, string? resourceVersion, string? labelSelector = null) =>
        new((onError, ct) => AsObjects(Client.CustomObjects.WatchListNamespacedCustomObjectAsync(TestResources.Group,
            TestResources.Version, ns, TestResources.Widgets, labelSelector: labelSelector, resourceVersion: resourceVersion,
            onError: onError, cancellationToken: ct)));

    /// <summary>The custom object watch yields JSON elements typed as object.</summary>
    private static async IAsyncEnumerable<(WatchEventType, JsonObject)> AsObjects(IAsyncEnumerable<(WatchEventType, object)> events)
    {
        await foreach (var (type, item) in events)
        {
            yield return (type, System.Text.Json.JsonSerializer.SerializeToNode(item)!.AsObject());
        }
    }

    private static V1Secret Secret(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };

    private static string Name(V1Secret secret) => secret.Metadata.Name;

    private static string Name(JsonObject widget) => widget["metadata"]!["name"]!.GetValue<string>();

    [Fact]
    public async Task Watch_from_a_list_resourceVersion_sees_every_later_change()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("before"), ns);
        var list = await Client.CoreV1.ListNamespacedSecretAsync(ns);
        await using var watch = WatchSecrets(ns, list.Metadata.ResourceVersion);

        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), ns);
        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!, V1Patch.PatchType.MergePatch), "s1", ns);
        var deleted = await Client.CoreV1.DeleteNamespacedSecretAsync("s1", ns);

        await watch.WaitForAsync(e => e.Count >= 3, "three events arrive");
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], watch.Events.Select(e => e.Type));
        Assert.All(watch.Events, e => Assert.Equal("s1", Name(e.Object)));
        Assert.Equal("b", watch.Events[1].Object.Metadata.Labels["a"]);
        Assert.True(long.Parse(watch.Events[2].Object.Metadata.ResourceVersion) > long.Parse(watch.Events[1].Object.Metadata.ResourceVersion));
        Assert.Equal("Success", deleted.Status);
    }

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_synthetic_ADDED_events()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("a"), ns);
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("b"), ns);

        await using var watch = WatchSecrets(ns, resourceVersion: null);

        await watch.WaitForAsync(e => e.Count >= 2, "both existing secrets are announced");
        Assert.Equal(["a", "b"], watch.Events.Select(e => Name(e.Object)));
        Assert.All(watch.Events, e => Assert.Equal(WatchEventType.Added, e.Type));
    }

    [Fact]
    public async Task Watch_resumes_from_a_resourceVersion()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var first = await Client.CoreV1.CreateNamespacedSecretAsync(Secret("first"), ns);
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("missed"), ns);

        await using var watch = WatchSecrets(ns, first.Metadata.ResourceVersion);

        await watch.WaitForAsync(e => e.Count >= 1, "the change after the resumed version is replayed");
        Assert.Equal("missed", Name(watch.Events.Single().Object));
    }

    [Fact]
    public async Task Watch_from_a_forgotten_resourceVersion_gets_410_Expired()
    {
        await using var server = await EmulatorFixture.StartAsync();
        using var client = EmulatorFixture.NewClient(server);
        var ns = await EmulatorFixture.CreateNamespaceAsync(client);
        var list = await client.CoreV1.ListNamespacedSecretAsync(ns);
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), ns);

        server.TruncateWatchHistory();
        await using var watch = WatchSecrets(client, ns, list.Metadata.ResourceVersion);
        await watch.Completion.WaitAsync(Eventually.DefaultDeadline);

        var expired = Assert.IsType<KubernetesException>(Assert.Single(watch.Errors));
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.StartsWith($"too old resource version: {list.Metadata.ResourceVersion} (", expired.Status.Message);
        Assert.Empty(watch.Events);
        var relisted = await client.CoreV1.ListNamespacedSecretAsync(ns);
        Assert.Equal("s1", Name(relisted.Items.Single()));
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resourceVersion()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedSecretAsync(ns);

        await using var watch = WatchSecrets(ns, list.Metadata.ResourceVersion, bookmarks: true);

        await watch.WaitForAsync(e => e.Any(x => x.Type == WatchEventType.Bookmark), "a bookmark arrives");
        var bookmark = watch.Events.First(e => e.Type == WatchEventType.Bookmark).Object;
        Assert.True(long.Parse(bookmark.Metadata.ResourceVersion) >= long.Parse(list.Metadata.ResourceVersion));
        Assert.Null(bookmark.Metadata.Name);
    }

    [Fact]
    public async Task Objects_entering_and_leaving_the_selector_are_ADDED_and_DELETED()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", metadata: new JsonObject { ["labels"] = new JsonObject { ["tier"] = "silver" } }));
        var list = await Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(TestResources.Group, TestResources.Version, ns, TestResources.Widgets);

        await using var watch = WatchWidgets(ns, list["metadata"]!["resourceVersion"]!.GetValue<string>(), "tier=gold");
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"labels":{"tier":"gold"}}}""")!);
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"owner":"a"}}""")!);
        var left = await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"labels":{"tier":"bronze"}}}""")!);

        await watch.WaitForAsync(e => e.Count >= 3, "enter, change and leave are seen");
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], watch.Events.Select(e => e.Type));
        var leaving = watch.Events[2].Object;
        Assert.Equal("gold", leaving["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Equal(left.ResourceVersion(), leaving.ResourceVersion());
    }

    [Fact]
    public async Task No_op_writes_send_no_event_and_the_last_finalizer_sends_one_DELETED()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var created = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1",
            spec: new JsonObject { ["owner"] = "a" }, metadata: new JsonObject { ["finalizers"] = new JsonArray("test.certfleet.io/hold") }));
        await using var watch = WatchWidgets(ns, created.ResourceVersion());

        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"spec":{"owner":"a"}}""")!);
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1");
        await Client.PatchWidgetAsync(ns, "w1", JsonNode.Parse("""{"metadata":{"finalizers":[]}}""")!);

        await watch.WaitForAsync(e => e.Any(x => x.Type == WatchEventType.Deleted), "the deletion is seen");
        Assert.Equal([WatchEventType.Modified, WatchEventType.Deleted], watch.Events.Select(e => e.Type));
        Assert.NotNull(watch.Events[0].Object["metadata"]!["deletionTimestamp"]);
        Assert.Equal("w1", Name(watch.Events[1].Object));
    }

    [Fact]
    public async Task TimeoutSeconds_ends_the_watch_cleanly()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), ns);
        using var http = RawHttp.Create(emulator.Server);
        using var cancel = new CancellationTokenSource(Eventually.DefaultDeadline);

        await using var watch = WatchSecrets(ns, resourceVersion: null, timeoutSeconds: 1);
        var emptyStream = await http.GetStringAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=1", cancel.Token);
        await watch.Completion.WaitAsync(Eventually.DefaultDeadline);

        Assert.Equal("", emptyStream);
        Assert.Equal("s1", Name(watch.Events.Single().Object));
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task Watch_streams_one_JSON_line_per_event_over_HTTP_1_1()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var list = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        using var http = RawHttp.Create(emulator.Server);
        using var cancel = new CancellationTokenSource(Eventually.DefaultDeadline);

        using var response = await http.GetAsync(
            $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={list.Metadata.ResourceVersion}",
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c1" } }, ns);
        var line = await reader.ReadLineAsync(cancel.Token);

        Assert.Equal(new Version(1, 1), response.Version);
        Assert.True(response.Headers.TransferEncodingChunked);
        var watchEvent = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", watchEvent["type"]!.GetValue<string>());
        Assert.Equal("c1", watchEvent["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("ConfigMap", watchEvent["object"]!["kind"]!.GetValue<string>());
    }
}
