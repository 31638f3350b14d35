using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;

namespace CertFleet.KubeEmulator.Tests;

[Collection(EmulatorCollection.Name)]
public sealed class SchemaValidationTests(EmulatorFixture emulator)
{
    private Kubernetes Client => emulator.Client;

    private async Task<string> RejectionAsync(JsonObject spec)
    {
        var ns = await emulator.CreateNamespaceAsync();
        var widget = TestResources.Widget("w1");
        widget["spec"] = spec;
        var status = await ApiAssert.FailsAsync(422, () => Client.CreateWidgetAsync(ns, widget));
        Assert.Equal("Invalid", status.Reason());
        Assert.Equal("Widget", status["details"]!["kind"]!.GetValue<string>());
        return status.Message();
    }

    [Fact]
    public async Task Enum_violation_is_Unsupported_value()
    {
        var message = await RejectionAsync(new JsonObject { ["size"] = "huge" });

        Assert.Equal("Widget.test.certfleet.io \"w1\" is invalid: spec.size: Unsupported value: \"huge\": supported values: \"small\", \"large\"", message);
    }

    [Fact]
    public async Task Missing_required_field_is_Required_value()
    {
        var message = await RejectionAsync(new JsonObject { ["owner"] = "x" });

        Assert.Equal("Widget.test.certfleet.io \"w1\" is invalid: spec.size: Required value", message);
    }

    [Fact]
    public async Task Bounds_lengths_patterns_and_item_counts_are_enforced()
    {
        var message = await RejectionAsync(new JsonObject
        {
            ["size"] = "small",
            ["replicas"] = -1,
            ["owner"] = "far-too-long-owner",
            ["tags"] = new JsonArray("a", "B", "c", "d"),
        });

        Assert.Contains("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0", message);
        Assert.Contains("spec.owner: Too long: may not be longer than 10", message);
        Assert.Contains("spec.tags: Too many: 4: must have at most 3 items", message);
        Assert.Contains("spec.tags[1]: Invalid value: \"B\": spec.tags[1] in body should match '^[a-z]+$'", message);
    }

    [Fact]
    public async Task Wrong_type_is_reported_with_the_actual_type()
    {
        var message = await RejectionAsync(new JsonObject { ["size"] = "small", ["replicas"] = "three" });

        Assert.Contains("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"", message);
    }

    [Fact]
    public async Task Duplicate_keys_in_a_map_list_are_rejected()
    {
        var ports = new JsonArray(new JsonObject { ["name"] = "a", ["port"] = 1 }, new JsonObject { ["name"] = "a", ["port"] = 2 });

        var message = await RejectionAsync(new JsonObject { ["size"] = "small", ["ports"] = ports });

        Assert.Contains("spec.ports[1]: Duplicate value:", message);
    }

    [Fact]
    public async Task Unknown_fields_are_a_strict_decoding_error_under_Strict()
    {
        var ns = await emulator.CreateNamespaceAsync();
        var widget = TestResources.Widget("w1", spec: new JsonObject { ["colour"] = "red" });

        var status = await ApiAssert.FailsAsync(400, () => Client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(
            widget, TestResources.Group, TestResources.Version, ns, TestResources.Widgets, fieldValidation: "Strict"));

        Assert.Equal("BadRequest", status.Reason());
        Assert.Equal("strict decoding error: unknown field \"spec.colour\"", status.Message());
    }

    [Fact]
    public async Task Unknown_fields_are_pruned_with_a_warning_by_default()
    {
        var ns = await emulator.CreateNamespaceAsync();
        using var http = RawHttp.Create(emulator.Server);
        var widget = TestResources.Widget("w1", spec: new JsonObject { ["colour"] = "red", ["extra"] = new JsonObject { ["anything"] = new JsonObject { ["goes"] = 1 } } });

        using var response = await http.PostAsync($"/apis/test.certfleet.io/v1/namespaces/{ns}/widgets",
            new StringContent(widget.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var stored = await Client.GetWidgetAsync(ns, "w1");

        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("299 - \"unknown field \\\"spec.colour\\\"\"", Assert.Single(response.Headers.GetValues("Warning")));
        Assert.Null(stored["spec"]!["colour"]);
        Assert.Equal(1, stored["spec"]!["extra"]!["anything"]!["goes"]!.GetValue<int>());
    }

    [Fact]
    public async Task Int_or_string_accepts_both_and_defaults_fill_missing_fields()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var number = await Client.CreateWidgetAsync(ns, TestResources.Widget("w1", spec: new JsonObject { ["target"] = 8080 }));
        var text = await Client.CreateWidgetAsync(ns, TestResources.Widget("w2", spec: new JsonObject { ["target"] = "http", ["replicas"] = 3 }));

        Assert.Equal(8080, number["spec"]!["target"]!.GetValue<int>());
        Assert.Equal(1, number["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("http", text["spec"]!["target"]!.GetValue<string>());
        Assert.Equal(3, text["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Invalid_names_are_rejected_with_the_RFC_1123_message()
    {
        var ns = await emulator.CreateNamespaceAsync();

        var status = await ApiAssert.FailsAsync(422, () => Client.CreateWidgetAsync(ns, TestResources.Widget("Not_Valid")));

        Assert.Contains("metadata.name: Invalid value: \"Not_Valid\": a lowercase RFC 1123 subdomain must consist of", status.Message());
    }
}
