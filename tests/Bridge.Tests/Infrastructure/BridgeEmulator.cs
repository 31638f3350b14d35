using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.KubeEmulator;
using CertFleet.Kubernetes.Bridge;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Infrastructure;

/// <summary>
/// An API server emulator with cert-manager's CRDs, a namespace for the test, a plain client to arrange and assert
/// with, and the bridge's own connection to it.
/// </summary>
public sealed class BridgeEmulator : IAsyncDisposable
{
    public const string Cluster = "local";

    private BridgeEmulator(KubeEmulatorServer server, k8s.Kubernetes client, string ns, KubernetesClusters clusters)
    {
        Server = server;
        Client = client;
        Namespace = ns;
        Clusters = clusters;
    }

    public KubeEmulatorServer Server { get; }

    /// <summary>A client for arranging and asserting, independent of the bridge.</summary>
    public k8s.Kubernetes Client { get; }

    /// <summary>A fresh namespace for this test.</summary>
    public string Namespace { get; }

    public KubernetesClusters Clusters { get; }

    public ClusterConnection Connection => Clusters[Cluster];

    public static async Task<BridgeEmulator> StartAsync()
    {
        var server = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(300) });
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
        await CertManagerDefinitions.InstallAsync(client);
        var ns = "t-" + Guid.NewGuid().ToString("N")[..10];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        var clusters = new KubernetesClusters(Options.Create(BridgeOptionsFor(server)), NullLoggerFactory.Instance);
        return new BridgeEmulator(server, client, ns, clusters);
    }

    /// <summary>
    /// Bridge settings for this emulator. Retries are quick for tests; the lease is long enough that a busy test machine
    /// does not make a leader miss its renewal (a stopping leader releases it, so takeovers stay fast).
    /// </summary>
    public static BridgeOptions BridgeOptionsFor(KubeEmulatorServer server, string identity = "test") => new()
    {
        ClusterName = Cluster,
        Kubeconfig = server.KubeconfigPath,
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(6),
        RenewDeadline = TimeSpan.FromSeconds(4),
        RetryPeriod = TimeSpan.FromMilliseconds(500),
    };

    public ObjectKey Key(string name) => new(Cluster, Namespace, name);

    public Task CreateNamespaceAsync(string name) =>
        Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });

    public async Task<Certificate> CreateCertificateAsync(string name, string secretName = "web-tls")
    {
        var certificate = new Certificate
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Namespace },
            Spec = new CertificateSpec
            {
                SecretName = secretName,
                DnsNames = [$"{name}.example.com"],
                IssuerRef = new IssuerRef { Name = "ca", Kind = "Issuer" },
            },
        };
        var created = await Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            JsonSerializer.SerializeToElement(certificate, ApiJson.Options), Certificate.Group, Certificate.Version,
            Namespace, Certificate.Plural);
        return ApiObjects.Read<Certificate>(created);
    }

    public async Task<JsonElement?> GetAsync(string plural, string name, string? ns = null)
    {
        try
        {
            var found = ns == ""
                ? await Client.CustomObjects.GetClusterCustomObjectAsync("cert-manager.io", "v1", plural, name)
                : await Client.CustomObjects.GetNamespacedCustomObjectAsync("cert-manager.io", "v1", ns ?? Namespace, plural, name);
            return (JsonElement)found;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Clusters.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
