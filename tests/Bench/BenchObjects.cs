using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace CertFleet.Bench;

/// <summary>The cert-manager objects the bench applies (in namespace "bench", labelled by phase) and the wait for them.</summary>
internal static class BenchObjects
{
    public const string PhaseLabel = "bench.certfleet.io/phase";
    public const string Namespace = "bench";

    public static async Task WaitReady(Kubernetes client, string phase, int count, CancellationToken ct)
    {
        if (count == 0) return;
        var ready = new HashSet<string>();
        try
        {
            await foreach (var (type, item) in client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                               "cert-manager.io", "v1", Namespace, "certificates", labelSelector: $"{PhaseLabel}={phase}", cancellationToken: ct))
            {
                var certificate = (JsonElement)item;
                var name = certificate.GetProperty("metadata").GetProperty("name").GetString()!;
                if (type != WatchEventType.Deleted && IsReady(certificate)) ready.Add(name);
                else ready.Remove(name);
                if (ready.Count >= count) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"only {ready.Count} of {count} Certificates of phase {phase} became Ready");
    }

    public static bool IsReady(JsonElement item) =>
        item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
        && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");

    public static JsonObject Certificate(string name, string secret, string issuer, string issuerKind, string algorithm, int size, bool isCA, string phase)
    {
        var spec = new JsonObject
        {
            ["secretName"] = secret,
            ["issuerRef"] = new JsonObject { ["name"] = issuer, ["kind"] = issuerKind },
            ["privateKey"] = new JsonObject { ["algorithm"] = algorithm, ["size"] = size },
        };
        if (isCA) { spec["isCA"] = true; spec["commonName"] = name; }
        else spec["dnsNames"] = new JsonArray($"{name}.bench.example");
        return new JsonObject
        {
            ["apiVersion"] = "cert-manager.io/v1", ["kind"] = "Certificate",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace, ["labels"] = new JsonObject { [PhaseLabel] = phase } },
            ["spec"] = spec,
        };
    }

    public static JsonObject Issuer(string name, string? ns, JsonObject spec) => new()
    {
        ["apiVersion"] = "cert-manager.io/v1", ["kind"] = ns is null ? "ClusterIssuer" : "Issuer",
        ["metadata"] = ns is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = spec,
    };

    public static Task Create(Kubernetes client, string ns, string plural, JsonObject body) => ns.Length == 0
        ? client.CustomObjects.CreateClusterCustomObjectAsync(body, "cert-manager.io", "v1", plural)
        : client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "cert-manager.io", "v1", ns, plural);
}
