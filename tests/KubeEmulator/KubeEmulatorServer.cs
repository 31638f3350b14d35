using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Audit;
using CertFleet.KubeEmulator.Controllers;
using CertFleet.KubeEmulator.Hosting;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CertFleet.KubeEmulator;

/// <summary>
/// A Kubernetes API server emulator on loopback (HTTPS, bearer token, HTTP/1.1 and HTTP/2) for tests:
/// <c>await using var api = await KubeEmulatorServer.StartAsync(new KubeEmulatorOptions());</c>
/// </summary>
public sealed class KubeEmulatorServer : IAsyncDisposable
{
    private static readonly string[] SeedNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ServingCertificate _certificate;
    private readonly ObjectStore _store;
    private readonly CancellationTokenSource _stopping;
    private readonly List<Task> _controllers;
    private readonly bool _ownsKubeconfig;
    private int _disposed;

    private KubeEmulatorServer(
        WebApplication app, ServingCertificate certificate, ObjectStore store, CancellationTokenSource stopping,
        List<Task> controllers, string url, string token, string kubeconfigPath, bool ownsKubeconfig,
        FaultInjector faults, EmulatorStats stats, AccessLog? audit, string? auditedKubeconfigPath)
    {
        _app = app;
        _certificate = certificate;
        _store = store;
        _stopping = stopping;
        _controllers = controllers;
        _ownsKubeconfig = ownsKubeconfig;
        Url = url;
        Token = token;
        KubeconfigPath = kubeconfigPath;
        Faults = faults;
        Stats = stats;
        Audit = audit;
        AuditedKubeconfigPath = auditedKubeconfigPath;
    }

    /// <summary>The server URL, e.g. https://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <summary>The bearer token every request must carry.</summary>
    public string Token { get; }

    /// <summary>The kubeconfig written for this server (server, certificate-authority-data, token).</summary>
    public string KubeconfigPath { get; }

    /// <summary>The CA certificate (PEM) that signed the serving certificate.</summary>
    public string CaCertificatePem => _certificate.CaPem;

    /// <summary>Failure injection: failing writes, broken watches, latency.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Request, write and watch counters.</summary>
    public EmulatorStats Stats { get; }

    /// <summary>What the audited client (<see cref="KubeEmulatorOptions.AuditedClient"/>) asked; null when none is configured.</summary>
    public AccessLog? Audit { get; }

    /// <summary>The audited client's kubeconfig; null when none is configured.</summary>
    public string? AuditedKubeconfigPath { get; }

    /// <summary>Forgets all watch history: a watch resuming from any earlier resourceVersion gets 410 Expired.</summary>
    public void TruncateWatchHistory() => _store.TruncateHistory();

    /// <summary>Starts an emulator and writes its kubeconfig.</summary>
    public static async Task<KubeEmulatorServer> StartAsync(KubeEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeEmulatorOptions();
        var token = options.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var certificate = ServingCertificate.Create();
        var stopping = new CancellationTokenSource();

        var store = new ObjectStore(options.WatchHistoryPerResource);
        var catalog = new ResourceCatalog();
        foreach (var type in BuiltInResources.Create())
        {
            catalog.Register(type);
        }
        var clock = new SkewedClock();
        var operations = new ResourceOperations(store, catalog, clock);
        var definitions = new CustomResourceDefinitionController(operations);
        var collector = new GarbageCollector(operations);
        var namespaces = new NamespaceController(operations);
        Seed(operations);

        var faults = new FaultInjector(store, clock);
        var stats = new EmulatorStats(store);
        var auditToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var audited = options.AuditedClient is { } auditing
            ? new AuditedClient(auditing.User, new AccessLog(auditing.LogPath))
            : null;
        var aggregated = new AggregatedApis(store);
        var handler = new ApiRequestHandler(
            Encoding.UTF8.GetBytes(token),
            audited is null ? null : (Encoding.UTF8.GetBytes(auditToken), audited),
            new ResourceEndpoint(operations, faults, stats, new WatchStream(store, stats, options), audited),
            new DiscoveryDocuments(catalog, aggregated),
            new OpenApiDocuments(catalog),
            aggregated,
            new AdminEndpoints(faults, stats, store),
            faults,
            stats,
            options.LogRequests,
            stopping.Token);

        var app = BuildHost(options.Port, certificate);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = $"https://127.0.0.1:{new Uri(address).Port}";

        var ownsKubeconfig = options.KubeconfigPath is null;
        var kubeconfigPath = options.KubeconfigPath ?? Path.Combine(Directory.CreateTempSubdirectory("kube-emulator-").FullName, "kubeconfig");
        var auditedKubeconfigPath = options.AuditedClient is { } client
            ? client.KubeconfigPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(kubeconfigPath))!, "audited-kubeconfig")
            : null;
        // The audited client's first: whoever waits for the main kubeconfig to appear then finds both.
        if (auditedKubeconfigPath is not null)
        {
            KubeconfigFile.Write(auditedKubeconfigPath, url, certificate.CaPem, auditToken);
        }
        KubeconfigFile.Write(kubeconfigPath, url, certificate.CaPem, token);

        var controllers = new List<Task>
        {
            Task.Run(() => definitions.RunAsync(stopping.Token)),
            Task.Run(() => collector.RunAsync(stopping.Token)),
            Task.Run(() => namespaces.RunAsync(stopping.Token)),
        };
        return new KubeEmulatorServer(app, certificate, store, stopping, controllers, url, token, kubeconfigPath, ownsKubeconfig, faults, stats, audited?.Log, auditedKubeconfigPath);
    }

    /// <summary>Stops serving; open watches end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await Task.WhenAll(_controllers);
        _stopping.Dispose();
        _certificate.Dispose();
        if (_ownsKubeconfig)
        {
            Directory.Delete(Path.GetDirectoryName(KubeconfigPath)!, recursive: true);
        }
    }

    private static WebApplication BuildHost(int port, ServingCertificate certificate)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes + 1;
            kestrel.Limits.MinResponseDataRate = null; // watches idle for long stretches
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate.Serving);
            });
        });
        return builder.Build();
    }

    /// <summary>What a fresh cluster has: the four system namespaces and, here, the Gateway API CRDs.</summary>
    private static void Seed(ResourceOperations operations)
    {
        var catalog = operations.Catalog;
        var namespaces = catalog.Find("namespaces")!;
        foreach (var name in SeedNamespaces)
        {
            var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
            Create(operations, namespaces, "", ns);
        }
        var definitions = catalog.Find(CustomResourceDefinitionStrategy.GroupResource)!;
        foreach (var crd in GatewayApiDefinitions.Create())
        {
            Create(operations, definitions, "", crd);
        }
    }

    private static void Create(ResourceOperations operations, ResourceType type, string ns, JsonObject obj) =>
        operations.Create(new ResourceTarget(type, type.Storage, ns, ObjectMeta.Name(obj)), obj, new WriteOptions(),
            new DecodeContext(FieldValidation.Strict));
}
