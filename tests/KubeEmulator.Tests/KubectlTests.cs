using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>The real kubectl against the emulator: what users and the conformance script do.</summary>
[Collection(EmulatorCollection.Name)]
public sealed partial class KubectlTests(EmulatorFixture emulator) : IDisposable
{
    private readonly Kubectl _kubectl = new(emulator.Server);

    public void Dispose() => _kubectl.Dispose();

    private static string WidgetYaml(string ns, string name, string size, string tier = "gold") => $"""
        apiVersion: test.certfleet.io/v1
        kind: Widget
        metadata: {"{"}name: {name}, namespace: {ns}, labels: {"{"}tier: {tier}{"}"}{"}"}
        spec: {"{"}size: {size}, owner: team-a{"}"}
        """;

    [Fact]
    public async Task Create_commands_send_protobuf_that_the_emulator_reads()
    {
        var ns = "kc-" + Guid.NewGuid().ToString("N")[..8];

        var createdNamespace = await _kubectl.SucceedsAsync($"create namespace {ns}");
        var createdSecret = await _kubectl.SucceedsAsync($"create secret generic s1 -n {ns} --from-literal=a=b");
        var createdMap = await _kubectl.SucceedsAsync($"create configmap c1 -n {ns} --from-literal=k=v");
        var createdAccount = await _kubectl.SucceedsAsync($"create serviceaccount sa1 -n {ns}");
        var secret = await emulator.Client.CoreV1.ReadNamespacedSecretAsync("s1", ns);
        var map = await emulator.Client.CoreV1.ReadNamespacedConfigMapAsync("c1", ns);

        Assert.Contains($"namespace/{ns} created", createdNamespace);
        Assert.Contains("secret/s1 created", createdSecret);
        Assert.Contains("configmap/c1 created", createdMap);
        Assert.Contains("serviceaccount/sa1 created", createdAccount);
        Assert.Equal("sa1", (await emulator.Client.CoreV1.ReadNamespacedServiceAccountAsync("sa1", ns)).Metadata.Name);
        Assert.Equal("b"u8.ToArray(), secret.Data["a"]);
        Assert.Equal("v", map.Data["k"]);
    }

    [Fact]
    public async Task Apply_creates_then_reports_unchanged_then_configured()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var created = await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "small"));
        var unchanged = await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "small"));
        var configured = await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "large"));
        var generation = await _kubectl.SucceedsAsync($"-n {ns} get widget w1 -o jsonpath={{.metadata.generation}}");

        Assert.Contains("widget.test.certfleet.io/w1 created", created);
        Assert.Contains("widget.test.certfleet.io/w1 unchanged", unchanged);
        Assert.Contains("widget.test.certfleet.io/w1 configured", configured);
        Assert.Equal("2", generation);
    }

    [Fact]
    public async Task Apply_reports_schema_errors_in_apiserver_words()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var invalid = await _kubectl.RunAsync("apply -f -", WidgetYaml(ns, "w9", "huge"));
        var unknown = await _kubectl.RunAsync("apply -f -", $"apiVersion: test.certfleet.io/v1\nkind: Widget\nmetadata: {{name: w7, namespace: {ns}}}\nspec: {{size: small, colour: red}}\n");

        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("The Widget \"w9\" is invalid: spec.size: Unsupported value: \"huge\": supported values: \"small\", \"large\"", invalid.Error);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.colour\"", unknown.Error);
    }

    [Fact]
    public async Task Get_prints_the_printer_columns_and_wide_adds_priority_columns()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "small"));
        await _kubectl.SucceedsAsync(["-n", ns, "patch", "widget", "w1", "--subresource=status", "--type=merge",
            "-p", """{"status":{"phase":"Ready","conditions":[{"type":"Ready","status":"True"}]}}"""]);

        var table = await _kubectl.SucceedsAsync($"-n {ns} get widgets");
        var wide = await _kubectl.SucceedsAsync($"-n {ns} get wdg -o wide");

        var lines = table.Trim().Split('\n');
        Assert.Equal("NAME SIZE PHASE READY AGE", Spaces().Replace(lines[0], " ").Trim());
        Assert.Matches(@"^w1\s+small\s+Ready\s+True\s+\d+s$", lines[1].Trim());
        Assert.Equal("NAME SIZE PHASE READY OWNER AGE", Spaces().Replace(wide.Split('\n')[0], " ").Trim());
        Assert.Contains("team-a", wide);
    }

    [Fact]
    public async Task Get_supports_selectors_categories_and_all_namespaces()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "small", "gold") + "\n---\n" + WidgetYaml(ns, "w2", "small", "silver"));

        var bySelector = await _kubectl.SucceedsAsync($"-n {ns} get widgets -l tier=silver -o name");
        var byField = await _kubectl.SucceedsAsync($"-n {ns} get widgets --field-selector metadata.name=w1 -o name");
        var byCategory = await _kubectl.SucceedsAsync("get testall -A");

        Assert.Equal("widget.test.certfleet.io/w2", bySelector.Trim());
        Assert.Equal("widget.test.certfleet.io/w1", byField.Trim());
        Assert.Matches($@"{ns}\s+w1\s+small", byCategory);
        Assert.Matches($@"{ns}\s+w2\s+small", byCategory);
    }

    [Fact]
    public async Task Describe_shows_the_objects_events_and_get_events_prints_them()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await _kubectl.SucceedsAsync("apply -f -", WidgetYaml(ns, "w1", "small"));
        var uid = await _kubectl.SucceedsAsync($"-n {ns} get widget w1 -o jsonpath={{.metadata.uid}}");
        await emulator.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "w1.1" },
            InvolvedObject = new V1ObjectReference { ApiVersion = "test.certfleet.io/v1", Kind = "Widget", Name = "w1", NamespaceProperty = ns, Uid = uid },
            Reason = "Polished",
            Message = "widget w1 was polished",
            Type = "Normal",
            Source = new V1EventSource { Component = "certfleet" },
            FirstTimestamp = DateTime.UtcNow.AddMinutes(-5),
            LastTimestamp = DateTime.UtcNow.AddMinutes(-5),
            Count = 1,
        }, ns);

        var described = await _kubectl.SucceedsAsync($"-n {ns} describe widget w1");
        var events = await _kubectl.SucceedsAsync($"-n {ns} get events");
        var wideEvents = await _kubectl.SucceedsAsync($"-n {ns} get events -o wide");

        Assert.Matches(@"Events:\s+Type\s+Reason\s+Age\s+From\s+Message", described);
        Assert.Matches(@"Normal\s+Polished\s+5m\S*\s+certfleet\s+widget w1 was polished", described);
        Assert.Equal("LAST SEEN TYPE REASON OBJECT MESSAGE", Spaces().Replace(events.Split('\n')[0], " ").Trim());
        Assert.Matches(@"5m\S*\s+Normal\s+Polished\s+widget/w1\s+widget w1 was polished", events);
        Assert.Contains("SUBOBJECT", wideEvents);
        Assert.Contains("w1.1", wideEvents);
    }

    [Fact]
    public async Task Delete_waits_for_removal_and_describe_of_built_ins_works()
    {
        var ns = await emulator.CreateNamespaceAsync();
        await _kubectl.SucceedsAsync($"-n {ns} create configmap gone --from-literal=a=b");

        var deleted = await _kubectl.SucceedsAsync($"-n {ns} delete configmap gone");
        var missing = await _kubectl.RunAsync($"-n {ns} get configmap gone");
        var namespaces = await _kubectl.SucceedsAsync("get ns");

        Assert.Contains("configmap \"gone\" deleted", deleted);
        Assert.Contains("configmaps \"gone\" not found", missing.Error);
        Assert.Matches(@"default\s+Active", namespaces);
    }

    [Fact]
    public async Task Discovery_lists_resources_with_short_names_and_status_subresources()
    {
        using var http = RawHttp.Create(emulator.Server);

        var resources = await _kubectl.SucceedsAsync("api-resources --api-group=test.certfleet.io");
        var list = await http.GetJsonAsync("/apis/test.certfleet.io/v1");
        var version = await _kubectl.SucceedsAsync("version");

        Assert.Matches(@"widgets\s+wdg\s+test.certfleet.io/v1\s+true\s+Widget", resources);
        var names = list["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("widgets/status", names);
        Assert.DoesNotContain("gadgets/status", names);
        Assert.Contains("Server Version: v1.32.0", version);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
