using System.Text;
using System.Text.Json.Nodes;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Solving;
using CertFleet.TestSupport;
using k8s;
using k8s.Models;

namespace CertFleet.Bridge.Tests.Solving;

/// <summary>
/// ChallengePayloads through the emulator's aggregation layer to a webhook written as cert-manager's webhooks are: the
/// request in cert-manager's shape, the webhook's verdict read back, and every way the API server can fail named.
/// </summary>
public sealed class Dns01WebhookSolversTests : EmulatorTest
{
    private const string Service = "dns-webhook";
    private const string Config = """{"apiKeySecretRef":{"name":"dns","key":"token"},"ttl":120}""";

    private Dns01WebhookSolvers Solvers => new(Api.Clusters);

    private static Dns01WebhookCall Call(Dns01WebhookAction action = Dns01WebhookAction.Present, string? config = Config) => new(
        Dns01WebhookServer.GroupName, Dns01WebhookServer.SolverName, action, "www.example.com", "txt-value", "team-a",
        "_acme-challenge.www.example.com.", "example.com.", false, config);

    /// <summary>An ExternalName Service for the webhook's loopback port and the APIService handing the group to it.</summary>
    private async Task RegisterAsync(int port, string caPem, bool insecure = false)
    {
        await Api.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = Service },
            Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "127.0.0.1" },
        }, Api.Namespace);
        var spec = new JsonObject
        {
            ["group"] = Dns01WebhookServer.GroupName,
            ["version"] = Dns01WebhookServer.Version,
            ["groupPriorityMinimum"] = 1000,
            ["versionPriority"] = 15,
            ["service"] = new JsonObject { ["name"] = Service, ["namespace"] = Api.Namespace, ["port"] = port },
        };
        if (insecure)
            spec["insecureSkipTLSVerify"] = true;
        else
            spec["caBundle"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        await Api.Client.CustomObjects.CreateClusterCustomObjectAsync(new JsonObject
        {
            ["apiVersion"] = "apiregistration.k8s.io/v1",
            ["kind"] = "APIService",
            ["metadata"] = new JsonObject { ["name"] = $"{Dns01WebhookServer.Version}.{Dns01WebhookServer.GroupName}" },
            ["spec"] = spec,
        }, "apiregistration.k8s.io", "v1", "apiservices");
    }

    [Fact]
    public async Task Present_reaches_the_webhook_in_cert_managers_shape_and_its_success_is_read()
    {
        await using var webhook = await Dns01WebhookServer.StartAsync(Service, Api.Namespace);
        var published = new List<(string Name, IReadOnlyList<string> Values)>();
        webhook.RecordsChanged = (name, values) =>
        {
            published.Add((name, values));
            return Task.CompletedTask;
        };
        await RegisterAsync(webhook.Port, webhook.Certificate.ExportCertificatePem());

        var answer = await Solvers.CallAsync(BridgeEmulator.Cluster, Call());

        Assert.Equal(new Dns01WebhookAnswer(true, null), answer);
        var (request, user) = Assert.Single(webhook.Requests);
        Assert.Equal("Present", request["action"]!.GetValue<string>());
        Assert.Equal("dns-01", request["type"]!.GetValue<string>());
        Assert.Equal("team-a", request["resourceNamespace"]!.GetValue<string>());
        Assert.False(request["allowAmbientCredentials"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Config), request["config"]), request["config"]?.ToJsonString());
        Assert.True(Guid.TryParse(request["uid"]!.GetValue<string>(), out _));
        Assert.Equal("kubernetes-admin", user);
        Assert.Equal(("_acme-challenge.www.example.com", "txt-value"), (published[0].Name, Assert.Single(published[0].Values)));
        Assert.Empty(webhook.Violations);

        Assert.True((await Solvers.CallAsync(BridgeEmulator.Cluster, Call(Dns01WebhookAction.CleanUp, config: null))).Success);
        Assert.Empty(published[^1].Values);
        Assert.Null(webhook.Requests.Last().Request["config"]);
    }

    [Fact]
    public async Task A_webhook_failure_is_answered_with_its_message()
    {
        await using var webhook = await Dns01WebhookServer.StartAsync(Service, Api.Namespace);
        await RegisterAsync(webhook.Port, "", insecure: true);

        var answer = await Solvers.CallAsync(BridgeEmulator.Cluster, Call(config: """{"failWith":"invalid API token"}"""));

        Assert.Equal(new Dns01WebhookAnswer(false, "invalid API token"), answer);
    }

    [Fact]
    public async Task Without_an_APIService_the_API_servers_404_names_the_solver()
    {
        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Solvers.CallAsync(BridgeEmulator.Cluster, Call()));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains($"solver \"{Dns01WebhookServer.SolverName}\" of group \"{Dns01WebhookServer.GroupName}\"", error.Message);
    }

    [Fact]
    public async Task A_webhook_whose_certificate_the_caBundle_does_not_trust_is_unreachable()
    {
        await using var webhook = await Dns01WebhookServer.StartAsync(Service, Api.Namespace);
        await using var other = await Dns01WebhookServer.StartAsync(Service, Api.Namespace);
        await RegisterAsync(webhook.Port, other.Certificate.ExportCertificatePem());

        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Solvers.CallAsync(BridgeEmulator.Cluster, Call()));

        Assert.Equal(503, error.StatusCode);
        Assert.Contains("error trying to reach service", error.Message);
        Assert.Empty(webhook.Requests);
    }
}
