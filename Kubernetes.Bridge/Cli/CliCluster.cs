using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces.Api;
using k8s;
using k8s.Exceptions;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertFleet.Kubernetes.Bridge.Cli;

/// <summary>
/// The CLI's view of one cluster: reads of cert-manager objects, Secrets and Events, each bounded by the bridge's
/// request timeout, with API failures turned into <see cref="CliException"/>s that say what was being read.
/// </summary>
public sealed class CliCluster : IDisposable
{
    private readonly ClusterConnection _connection;

    private CliCluster(ClusterConnection connection, string defaultNamespace, string server)
    {
        _connection = connection;
        DefaultNamespace = defaultNamespace;
        Server = server;
    }

    /// <summary>The context's namespace, else the pod's, else "default".</summary>
    public string DefaultNamespace { get; }

    public string Server { get; }

    /// <summary>Connects as kubectl would: --kubeconfig, else KUBECONFIG, else in-cluster, else ~/.kube/config.</summary>
    public static CliCluster Connect(CliArguments args)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClusters.LoadClientConfiguration(args.Kubeconfig, args.Context);
        }
        catch (Exception exception) when (exception is KubeConfigException or IOException or ArgumentException)
        {
            throw CliException.Failure($"cannot load the kubeconfig: {exception.Message} " +
                                       "(pass --kubeconfig, set KUBECONFIG, or check --context)");
        }
        var options = new BridgeOptions { ClusterName = "cli" };
        var connection = new ClusterConnection("cli", new k8s.Kubernetes(configuration), options, NullLogger<ClusterConnection>.Instance);
        return new CliCluster(connection, string.IsNullOrEmpty(configuration.Namespace) ? "default" : configuration.Namespace,
            configuration.Host ?? "");
    }

    public Task<JsonObject?> GetCertificateAsync(string ns, string name) =>
        GetCustomAsync(Certificate.Group, Certificate.Plural, ns, name, $"Certificate {ns}/{name}");

    public Task<JsonObject?> GetFleetCertificateAsync(string name) =>
        GetCustomAsync(FleetCertificate.Group, FleetCertificate.Plural, null, name, $"FleetCertificate {name}", FleetCertificate.Version);

    public Task<JsonObject?> GetIssuerAsync(string kind, string ns, string name) => kind == ClusterIssuer.KindName
        ? GetCustomAsync(ClusterIssuer.Group, ClusterIssuer.Plural, null, name, $"ClusterIssuer {name}")
        : GetCustomAsync(Issuer.Group, Issuer.Plural, ns, name, $"Issuer {ns}/{name}");

    public Task<IReadOnlyList<JsonObject>> ListCertificatesAsync(string? ns, string? selector) =>
        ListCustomAsync(Certificate.Group, Certificate.Plural, ns, selector, "Certificates");

    public Task<IReadOnlyList<JsonObject>> ListCertificateRequestsAsync(string ns) =>
        ListCustomAsync(CertificateRequest.Group, CertificateRequest.Plural, ns, null, "CertificateRequests");

    public Task<IReadOnlyList<JsonObject>> ListOrdersAsync(string ns) =>
        ListCustomAsync(Order.Group, Order.Plural, ns, null, "Orders");

    public Task<IReadOnlyList<JsonObject>> ListChallengesAsync(string ns) =>
        ListCustomAsync(Challenge.Group, Challenge.Plural, ns, null, "Challenges");

    public Task<V1Secret?> GetSecretAsync(string ns, string name) => CallAsync($"reading Secret {ns}/{name}", async (client, ct) =>
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
        }
        catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
        {
            return null;
        }
    });

    /// <summary>Events about one object, oldest first; an empty list when the API refuses (as kubectl describe does).</summary>
    public async Task<IReadOnlyList<Corev1Event>> ListEventsAsync(string ns, string kind, string name)
    {
        try
        {
            var list = await _connection.SendAsync((client, ct) => client.CoreV1.ListNamespacedEventAsync(ns,
                fieldSelector: $"involvedObject.kind={kind},involvedObject.name={name}", cancellationToken: ct), CancellationToken.None);
            return list.Items.OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp).ToList();
        }
        catch (Exception exception) when (ApiError.From(exception) is not null)
        {
            return [];
        }
    }

    /// <summary>Replaces a Certificate's status; false when someone else changed the object first (re-read and retry).</summary>
    public Task<bool> ReplaceCertificateStatusAsync(JsonObject certificate)
    {
        var ns = certificate["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var name = certificate["metadata"]?["name"]?.GetValue<string>() ?? "";
        return CallAsync($"writing the status of Certificate {ns}/{name}", async (client, ct) =>
        {
            try
            {
                await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(certificate, Certificate.Group,
                    Certificate.Version, ns, Certificate.Plural, name, cancellationToken: ct);
                return true;
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsConflict: true })
            {
                return false;
            }
        });
    }

    private Task<JsonObject?> GetCustomAsync(string group, string plural, string? ns, string name, string what, string version = "v1") =>
        CallAsync($"reading {what}", async (client, ct) =>
        {
            try
            {
                var found = ns is null
                    ? await client.CustomObjects.GetClusterCustomObjectAsync(group, version, plural, name, ct)
                    : await client.CustomObjects.GetNamespacedCustomObjectAsync(group, version, ns, plural, name, ct);
                return ToObject(found);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return null;
            }
        });

    private Task<IReadOnlyList<JsonObject>> ListCustomAsync(string group, string plural, string? ns, string? selector, string what) =>
        CallAsync($"listing {what}{(ns is null ? " in all namespaces" : $" in namespace {ns}")}", async (client, ct) =>
        {
            try
            {
                var list = ns is null
                    ? await client.CustomObjects.ListClusterCustomObjectAsync(group, "v1", plural, labelSelector: selector, cancellationToken: ct)
                    : await client.CustomObjects.ListNamespacedCustomObjectAsync(group, "v1", ns, plural, labelSelector: selector, cancellationToken: ct);
                return (IReadOnlyList<JsonObject>)(ToObject(list)?["items"]?.AsArray().OfType<JsonObject>().ToList() ?? []);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return []; // the kind is not served (e.g. no ACME CRDs installed): there are none
            }
        });

    private static JsonObject? ToObject(object? body) => body switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText())?.AsObject(),
        _ => null,
    };

    private async Task<T> CallAsync<T>(string description, Func<IKubernetes, CancellationToken, Task<T>> request)
    {
        try
        {
            return await _connection.SendAsync(request, CancellationToken.None);
        }
        catch (Exception exception) when (ApiError.From(exception) is { } error)
        {
            var detail = error.StatusCode == ApiError.NoAnswer
                ? $"the API server at {Server} did not answer ({error.Message})"
                : error.Describe();
            throw CliException.Failure($"{description}: {detail}");
        }
    }

    public void Dispose() => _connection.Dispose();
}
