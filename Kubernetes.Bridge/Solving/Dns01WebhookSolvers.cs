using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Ports;
using k8s;
using k8s.Autorest;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// Calls DNS-01 webhook solvers as cert-manager does: a ChallengePayload (<c>acme.cert-manager.io/v1alpha1</c>) with
/// a <c>request</c> POSTed to <c>/apis/&lt;groupName&gt;/v1alpha1/&lt;solverName&gt;</c> through the API server, so
/// any webhook written for cert-manager answers unchanged. Each call carries a new uid, which the webhook echoes.
/// </summary>
public sealed class Dns01WebhookSolvers(KubernetesClusters clusters) : IDns01WebhookSolvers
{
    private const string PayloadApiVersion = "acme.cert-manager.io/v1alpha1";
    private const string PayloadKind = "ChallengePayload";
    private const string SolverVersion = "v1alpha1";

    public Task<Dns01WebhookAnswer> CallAsync(string cluster, Dns01WebhookCall call, CancellationToken ct = default)
    {
        var connection = clusters[cluster];
        var body = Payload(call, Guid.NewGuid().ToString());
        return connection.RunAsync($"calling DNS-01 webhook solver \"{call.SolverName}\" of group \"{call.GroupName}\" ({call.Action})", async token =>
        {
            try
            {
                var answer = await connection.SendAsync((client, t) => client.CustomObjects.CreateClusterCustomObjectAsync(
                    body, call.GroupName, SolverVersion, call.SolverName, cancellationToken: t), token);
                return Read(answer is JsonElement element ? element : default);
            }
            catch (HttpOperationException exception) when (ResponseOf(exception.Response.Content) is { } element)
            {
                // An error status that still carries the webhook's response: its message says more than the status.
                return Read(element);
            }
        }, ct);
    }

    private static JsonObject Payload(Dns01WebhookCall call, string uid)
    {
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["action"] = call.Action.ToString(),
            ["type"] = "dns-01",
            ["dnsName"] = call.DnsName,
            ["key"] = call.Key,
            ["resourceNamespace"] = call.ResourceNamespace,
            ["resolvedFQDN"] = call.ResolvedFqdn,
            ["resolvedZone"] = call.ResolvedZone,
            ["allowAmbientCredentials"] = call.AllowAmbientCredentials,
        };
        if (call.Config is { Length: > 0 } config)
            request["config"] = JsonNode.Parse(config);
        return new JsonObject { ["apiVersion"] = PayloadApiVersion, ["kind"] = PayloadKind, ["request"] = request };
    }

    /// <summary>
    /// The webhook's verdict. As in cert-manager, a failure without a message is an invalid answer, and an answer
    /// without a response at all is one too (a webhook that is not a cert-manager solver).
    /// </summary>
    private static Dns01WebhookAnswer Read(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
            return new Dns01WebhookAnswer(false, "invalid payload response: the webhook answered without a ChallengePayload response");
        if (response.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.True)
            return new Dns01WebhookAnswer(true, null);
        var message = response.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
                      && status.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;
        return new Dns01WebhookAnswer(false, string.IsNullOrEmpty(message) ? "invalid payload response, did not succeed but no result provided" : message);
    }

    private static JsonElement? ResponseOf(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
            return null;
        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("response", out _)
                ? document.RootElement.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
