using System.Collections.Concurrent;
using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Hosting;
using CertFleet.Kubernetes.Bridge.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Hosting;

/// <summary>From objects in the cluster to grain calls, through the real table, dispatcher and reflectors.</summary>
public sealed class GrainDeliveryTests : EmulatorTest
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private ConcurrentQueue<GrainCall> _calls = null!;

    private void StartWatching()
    {
        var (factory, calls) = RecordingGrainFactory.Create();
        _calls = calls;
        var watch = new ClusterWatch(Api.Connection, WatchedResources.For(Api.Connection), new GrainChangeReceiver(factory), new MemoryKnownObjectsStore(), NullLoggerFactory.Instance,
            new WatchedStatuses(), new ControllerSyncs());
        _running = watch.RunAsync(_stop.Token);
    }

    private GrainCall Single<TGrain>(string key, string method) =>
        Assert.Single(_calls, c => c.Interface == typeof(TGrain) && c.Key == key && c.Method == method);

    private Task WaitForAsync<TGrain>(string key, string method) => Eventually.TrueAsync(
        () => _calls.Any(c => c.Interface == typeof(TGrain) && c.Key == key && c.Method == method),
        $"{typeof(TGrain).Name}({key}).{method} is called");

    [Fact]
    public async Task Each_watched_kind_reaches_its_grain_under_its_key()
    {
        var certificate = await Api.CreateCertificateAsync("web");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "ca"}, "spec": {"ca": {"secretName": "ca-key-pair"}}}
            """).RootElement, "cert-manager.io", "v1", Api.Namespace, "issuers");
        await Api.Client.CustomObjects.CreateClusterCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "self"}, "spec": {"selfSigned": {}}}
            """).RootElement, "cert-manager.io", "v1", "clusterissuers");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest", "metadata": {"name": "web-1"},
             "spec": {"request": "Y3Ny", "issuerRef": {"name": "ca"}}}
            """).RootElement, "cert-manager.io", "v1", Api.Namespace, "certificaterequests");
        await Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "web-tls", Labels = new Dictionary<string, string> { ["controller.cert-manager.io/fao"] = "true" } },
            Data = new Dictionary<string, byte[]> { ["tls.key"] = "private"u8.ToArray() },
        }, Api.Namespace);

        StartWatching();
        var ns = Api.Namespace;
        await WaitForAsync<ICertificateGrain>($"local/{ns}/web", "SyncAsync");
        await WaitForAsync<IIssuerGrain>($"local/{ns}/ca", "SyncAsync");
        await WaitForAsync<IIssuerGrain>("local/-/self", "SyncAsync");
        await WaitForAsync<ICertificateRequestGrain>($"local/{ns}/web-1", "ObserveAsync");
        await WaitForAsync<ISecretClaimGrain>($"local/{ns}/web-tls", "ChangedAsync");

        Assert.Equal("web.example.com",
            Assert.IsType<Certificate>(Single<ICertificateGrain>($"local/{ns}/web", "SyncAsync").Arguments[0]).Spec.DnsNames![0]);
        Assert.Equal("ca-key-pair",
            Assert.IsType<IssuerObject>(Single<IIssuerGrain>($"local/{ns}/ca", "SyncAsync").Arguments[0]).Spec.CA!.SecretName);
        Assert.True(Assert.IsType<IssuerObject>(Single<IIssuerGrain>("local/-/self", "SyncAsync").Arguments[0]).IsClusterIssuer);
        Assert.Equal("ca",
            Assert.IsType<CertificateRequest>(Single<ICertificateRequestGrain>($"local/{ns}/web-1", "ObserveAsync").Arguments[0]).Spec.IssuerRef.Name);
        var secret = Assert.IsType<SecretMetadata>(Single<ISecretClaimGrain>($"local/{ns}/web-tls", "ChangedAsync").Arguments[0]);
        Assert.Equal("true", secret.Labels["controller.cert-manager.io/fao"]);

        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("cert-manager.io", "v1", ns, "certificates", "web");
        await Api.Client.CoreV1.DeleteNamespacedSecretAsync("web-tls", ns);
        await WaitForAsync<ICertificateGrain>($"local/{ns}/web", "DeletedAsync");
        await Eventually.TrueAsync(() => _calls.Count(c => c.Interface == typeof(ISecretClaimGrain)) == 2, "the secret's deletion arrives");

        Assert.Equal(certificate.Metadata.Uid, Single<ICertificateGrain>($"local/{ns}/web", "DeletedAsync").Arguments[0]);
        Assert.Null(_calls.Last(c => c.Interface == typeof(ISecretClaimGrain)).Arguments[0]);
    }

    private Task CreateSecretAsync(string name, string? certificateName) =>
        Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { ["controller.cert-manager.io/fao"] = "true" },
                Annotations = certificateName is null ? null : new Dictionary<string, string> { ["cert-manager.io/certificate-name"] = certificateName },
            },
            Data = new Dictionary<string, byte[]> { ["tls.key"] = "private"u8.ToArray() },
        }, Api.Namespace);

    [Fact]
    public async Task A_certificates_secret_goes_straight_to_it_and_a_ca_issuers_secret_and_deletions_go_through_the_claim()
    {
        var ns = Api.Namespace;
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "ca"}, "spec": {"ca": {"secretName": "root-tls"}}}
            """).RootElement, "cert-manager.io", "v1", ns, "issuers");
        StartWatching();
        await WaitForAsync<IIssuerGrain>($"local/{ns}/ca", "SyncAsync");

        await CreateSecretAsync("web-tls", "web");
        await CreateSecretAsync("root-tls", "root");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/web", "SecretChangedAsync");
        await WaitForAsync<ISecretClaimGrain>($"local/{ns}/root-tls", "ChangedAsync");
        var secret = Assert.IsType<SecretMetadata>(Single<ICertificateGrain>($"local/{ns}/web", "SecretChangedAsync").Arguments[0]);
        Assert.Equal("web-tls", secret.Key.Name);
        Assert.False(string.IsNullOrEmpty(secret.ResourceVersion));
        Assert.DoesNotContain(_calls, c => c.Interface == typeof(ISecretClaimGrain) && c.Key == $"local/{ns}/web-tls");
        Assert.DoesNotContain(_calls, c => c.Interface == typeof(ICertificateGrain) && c.Key == $"local/{ns}/root");

        // Deleted, the owner and waiters must hear: through the claim. And an issuer gone, its Secret goes direct again.
        await Api.Client.CoreV1.DeleteNamespacedSecretAsync("web-tls", ns);
        await WaitForAsync<ISecretClaimGrain>($"local/{ns}/web-tls", "ChangedAsync");
        Assert.Null(Single<ISecretClaimGrain>($"local/{ns}/web-tls", "ChangedAsync").Arguments[0]);
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("cert-manager.io", "v1", ns, "issuers", "ca");
        await WaitForAsync<IIssuerGrain>($"local/{ns}/ca", "DeletedAsync");
        await Api.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata": {"labels": {"changed": "yes"}}}""", V1Patch.PatchType.MergePatch),
            "root-tls", ns);
        await WaitForAsync<ICertificateGrain>($"local/{ns}/root", "SecretChangedAsync");
    }

    [Fact]
    public async Task FleetCertificates_their_home_Certificates_and_their_copies_reach_the_FleetCertificate()
    {
        var ns = Api.Namespace;
        var fleet = await Api.Client.CustomObjects.CreateClusterCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "certfleet.io/v1alpha1", "kind": "FleetCertificate", "metadata": {"name": "shop"},
             "spec": {"certificate": {"secretName": "shop-tls", "issuerRef": {"name": "ca"}}, "placement": {"namespaces": ["apps"]}}}
            """).RootElement, "certfleet.io", "v1alpha1", "fleetcertificates");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "fleet-shop", "labels": {"certfleet.io/fleet-certificate": "shop"}},
             "spec": {"secretName": "fleet-shop", "issuerRef": {"name": "ca"}}}
            """).RootElement, "cert-manager.io", "v1", ns, "certificates");
        await Api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = "shop-tls",
                Labels = new Dictionary<string, string> { ["controller.cert-manager.io/fao"] = "true", ["certfleet.io/fleet-certificate"] = "shop" },
                Annotations = new Dictionary<string, string> { ["cert-manager.io/certificate-name"] = "fleet-shop" },
            },
        }, ns);

        StartWatching();
        await WaitForAsync<IFleetCertificateGrain>("shop", "SyncAsync");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/fleet-shop", "SyncAsync");
        await WaitForAsync<IFleetCertificateGrain>("shop", "HomeCertificateChangedAsync");
        await WaitForAsync<IFleetCertificateGrain>("shop", "CopyChangedAsync");
        Assert.Equal("shop", Assert.IsType<FleetCertificate>(Single<IFleetCertificateGrain>("shop", "SyncAsync").Arguments[0]).Metadata.Name);
        Assert.Equal(new ObjectKey("local", ns, "shop-tls"), Single<IFleetCertificateGrain>("shop", "CopyChangedAsync").Arguments[0]);
        // A copy is not a Certificate's Secret in that namespace: the Certificate its annotation names is not told.
        Assert.DoesNotContain(_calls, c => c.Interface == typeof(ICertificateGrain) && c.Key == $"local/{ns}/fleet-shop" && c.Method == "SecretChangedAsync");

        // A copy's deletion carries no labels: it reaches the claim grain, which tells the FleetCertificate that wrote it.
        await Api.Client.CoreV1.DeleteNamespacedSecretAsync("shop-tls", ns);
        await WaitForAsync<ISecretClaimGrain>($"local/{ns}/shop-tls", "ChangedAsync");
        await Api.Client.CustomObjects.DeleteClusterCustomObjectAsync("certfleet.io", "v1alpha1", "fleetcertificates", "shop");
        await WaitForAsync<IFleetCertificateGrain>("shop", "DeletedAsync");
        Assert.Equal(JsonDocument.Parse(JsonSerializer.Serialize(fleet)).RootElement.GetProperty("metadata").GetProperty("uid").GetString(),
            Single<IFleetCertificateGrain>("shop", "DeletedAsync").Arguments[0]);
    }

    [Fact]
    public async Task Orders_and_challenges_reach_their_grains_only_when_they_are_deleted()
    {
        var ns = Api.Namespace;
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order", "metadata": {"name": "web-1-42"},
             "spec": {"request": "Y3Ny", "issuerRef": {"name": "le"}}}
            """).RootElement, "acme.cert-manager.io", "v1", ns, "orders");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
             "metadata": {"name": "web-1-42-7", "finalizers": ["acme.cert-manager.io/finalizer", "finalizer.acme.cert-manager.io"]},
             "spec": {"url": "u", "authorizationURL": "a", "dnsName": "web.example.com", "type": "HTTP-01", "token": "t", "key": "k",
                      "solver": {"http01": {"ingress": {"class": "nginx"}}}, "issuerRef": {"name": "le"}}}
            """).RootElement, "acme.cert-manager.io", "v1", ns, "challenges");
        StartWatching();
        // a marker object proves the watches have delivered the initial lists before the checks below
        await Api.CreateCertificateAsync("marker");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/marker", "SyncAsync");
        Assert.DoesNotContain(_calls, c => c.Interface == typeof(IOrderGrain) || c.Interface == typeof(IChallengeGrain));

        // the finalizers hold the Challenge: its grain hears of the deletion at once, with them, to clean up and remove them
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("acme.cert-manager.io", "v1", ns, "challenges", "web-1-42-7");
        await WaitForAsync<IChallengeGrain>($"local/{ns}/web-1-42-7", "DeletedAsync");
        var deleted = _calls.First(c => c.Interface == typeof(IChallengeGrain) && c.Method == "DeletedAsync");
        Assert.Equal(["acme.cert-manager.io/finalizer", "finalizer.acme.cert-manager.io"], Assert.IsType<List<string>>(deleted.Arguments[0]));
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("acme.cert-manager.io", "v1", ns, "orders", "web-1-42");
        await WaitForAsync<IOrderGrain>($"local/{ns}/web-1-42", "DeletedAsync");
    }

    [Fact]
    public async Task The_echo_of_this_silos_own_write_is_not_delivered_and_a_change_by_others_after_it_is()
    {
        var ns = Api.Namespace;
        await Api.CreateCertificateAsync("web");
        await CreateSecretAsync("web-tls", "web");
        StartWatching();
        await WaitForAsync<ICertificateGrain>($"local/{ns}/web", "SyncAsync");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/web", "SecretChangedAsync");

        var writer = new ClusterWriter(Api.Clusters, new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
            Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance));
        await writer.WriteStatusAsync(ResourceKind.Certificate, Api.Key("web"), new CertificateStatus
        {
            Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "Ready", Message = "up to date" }],
        });
        await writer.ApplySecretAsync(new SecretData
        {
            Key = Api.Key("web-tls"),
            Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = "crt"u8.ToArray(), ["tls.key"] = "key"u8.ToArray() },
            Labels = new() { ["controller.cert-manager.io/fao"] = "true" },
            Annotations = new() { ["cert-manager.io/certificate-name"] = "web" },
        }, []);
        // New objects wait for the known objects' next batch, so theirs arrive after the echoes above would have.
        await Api.CreateCertificateAsync("marker");
        await CreateSecretAsync("marker-tls", "marker");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/marker", "SyncAsync");
        await WaitForAsync<ICertificateGrain>($"local/{ns}/marker", "SecretChangedAsync");
        Assert.Equal(0, Api.Connection.OwnWrites.Count);
        Assert.Single(_calls, c => c.Key == $"local/{ns}/web" && c.Method == "SyncAsync");
        Assert.Single(_calls, c => c.Key == $"local/{ns}/web" && c.Method == "SecretChangedAsync");

        // Someone else's edits after the writes are delivered, with the silo's writes in them.
        var labelled = new V1Patch("""{"metadata": {"labels": {"team": "payments"}}}""", V1Patch.PatchType.MergePatch);
        await Api.Client.CustomObjects.PatchNamespacedCustomObjectAsync(labelled, "cert-manager.io", "v1", ns, "certificates", "web");
        await Api.Client.CoreV1.PatchNamespacedSecretAsync(labelled, "web-tls", ns);
        await Eventually.TrueAsync(() => _calls.Count(c => c.Key == $"local/{ns}/web" && c.Method == "SyncAsync") == 2, "the label edit arrives");
        await Eventually.TrueAsync(() => _calls.Count(c => c.Key == $"local/{ns}/web" && c.Method == "SecretChangedAsync") == 2,
            "the Secret's label edit arrives");
        var edited = Assert.IsType<Certificate>(_calls.Last(c => c.Key == $"local/{ns}/web" && c.Method == "SyncAsync").Arguments[0]);
        Assert.Equal("payments", edited.Metadata.Labels!["team"]);
        Assert.Equal("True", Assert.Single(edited.Status!.Conditions!).Status);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        await base.DisposeAsync();
    }
}
