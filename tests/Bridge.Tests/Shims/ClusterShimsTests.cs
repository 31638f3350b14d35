using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Shims;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Shims;

/// <summary>The shims against the API emulator: Ingresses and Gateways in, Certificates and Events out.</summary>
public sealed class ClusterShimsTests : EmulatorTest
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private void StartShims(ShimOptions? options = null)
    {
        var events = new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
            Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance);
        _running = new ClusterShims(Api.Connection, events, options ?? new ShimOptions(), NullLoggerFactory.Instance).RunAsync(_stop.Token);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await base.DisposeAsync();
    }

    private Task<V1Ingress> CreateIngressAsync(string name, Dictionary<string, string> annotations, params (string Secret, string[] Hosts)[] tls) =>
        Api.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations, Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1IngressSpec { Tls = [.. tls.Select(t => new V1IngressTLS { SecretName = t.Secret, Hosts = t.Hosts })] },
        }, Api.Namespace);

    private async Task EditIngressAsync(string name, Action<V1Ingress> edit)
    {
        var ingress = await Api.Client.NetworkingV1.ReadNamespacedIngressAsync(name, Api.Namespace);
        edit(ingress);
        await Api.Client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, name, Api.Namespace);
    }

    private async Task<Certificate?> CertificateAsync(string name) =>
        await Api.GetAsync("certificates", name) is { } json ? ApiObjects.Read<Certificate>(json) : null;

    private async Task<Certificate> WaitForCertificateAsync(string name, Func<Certificate, bool> condition, string what)
    {
        Certificate? found = null;
        await Eventually.TrueAsync(async () => (found = await CertificateAsync(name)) is { } c && condition(c), what);
        return found!;
    }

    private async Task<List<Corev1Event>> EventsAsync(string objectName, string reason) =>
        [.. (await Api.Client.CoreV1.ListNamespacedEventAsync(Api.Namespace)).Items
            .Where(e => e.InvolvedObject.Name == objectName && e.Reason == reason)];

    private Task WaitForEventAsync(string objectName, string reason, string contains) => Eventually.TrueAsync(
        async () => (await EventsAsync(objectName, reason)).Any(e => e.Message.Contains(contains, StringComparison.Ordinal)),
        $"an Event {reason} on {objectName} saying {contains}");

    private static Dictionary<string, string> ClusterIssuer => new() { [Annotations.ClusterIssuer] = "le" };

    [Fact]
    public async Task An_annotated_ingress_gets_its_certificate_kept_in_step_and_removed_with_its_tls_entry()
    {
        var ingress = await CreateIngressAsync("shop", ClusterIssuer, ("shop-tls", ["www.shop.example"]), ("api-tls", ["api.shop.example"]));
        StartShims();

        var certificate = await WaitForCertificateAsync("shop-tls", _ => true, "the Certificate for shop-tls");
        Assert.Equal(["www.shop.example"], certificate.Spec.DnsNames!);
        Assert.Equal("le", certificate.Spec.IssuerRef.Name);
        Assert.Equal("shop", certificate.Metadata.Labels!["app"]);
        Assert.Equal(ingress.Metadata.Uid, Assert.Single(certificate.Metadata.OwnerReferences!).Uid);
        await WaitForCertificateAsync("api-tls", _ => true, "the Certificate for api-tls");
        await WaitForEventAsync("shop", ClusterShims.CreateCertificateReason, "Successfully created Certificate \"shop-tls\"");

        // a host added to the TLS entry reaches the Certificate
        await EditIngressAsync("shop", i => i.Spec.Tls[0].Hosts.Add("shop.example"));
        await WaitForCertificateAsync("shop-tls", c => c.Spec.DnsNames!.SequenceEqual(["www.shop.example", "shop.example"]), "shop.example added");
        await WaitForEventAsync("shop", ClusterShims.UpdateCertificateReason, "Successfully updated Certificate \"shop-tls\"");

        // a user deleting the Certificate gets it back, as long as the Ingress asks for it
        var first = await WaitForCertificateAsync("api-tls", _ => true, "the Certificate for api-tls");
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("cert-manager.io", "v1", Api.Namespace, "certificates", "api-tls");
        await WaitForCertificateAsync("api-tls", c => c.Metadata.Uid != first.Metadata.Uid, "api-tls made again");

        // the TLS entry goes: so does its Certificate; the other stays
        await EditIngressAsync("shop", i => i.Spec.Tls.RemoveAt(1));
        await Eventually.TrueAsync(async () => await CertificateAsync("api-tls") is null, "api-tls deleted");
        await WaitForEventAsync("shop", ClusterShims.DeleteCertificateReason, "Successfully deleted unrequired Certificate \"api-tls\"");
        Assert.NotNull(await CertificateAsync("shop-tls"));
        Assert.Empty(await EventsAsync("shop", ClusterShims.BadConfigReason));
    }

    [Fact]
    public async Task A_certificate_the_ingress_does_not_own_is_left_alone_with_a_warning()
    {
        await Api.CreateCertificateAsync("taken-tls", secretName: "taken-tls");
        await CreateIngressAsync("shop", ClusterIssuer, ("taken-tls", ["www.shop.example"]));
        StartShims();

        await WaitForEventAsync("shop", ClusterShims.CertificateNotOwnedReason, "Certificate \"taken-tls\" already exists and is not owned by this Ingress");
        var certificate = await CertificateAsync("taken-tls");
        Assert.Equal(["taken-tls.example.com"], certificate!.Spec.DnsNames!);
        Assert.Null(certificate.Metadata.OwnerReferences);
        // its dnsNames do not cover the Ingress's host: said once, naming host, Secret and Certificate
        await WaitForEventAsync("shop", ClusterShims.HostNotCoveredReason, "Host \"www.shop.example\" of spec.tls[0] is not covered by Certificate \"taken-tls\", which writes Secret \"taken-tls\"");
        Assert.Empty(await EventsAsync("shop", ClusterShims.CreateCertificateReason));
    }

    [Fact]
    public async Task A_bad_annotation_gives_bad_config_while_another_ingress_still_gets_its_certificate()
    {
        await CreateIngressAsync("broken", new() { [Annotations.ClusterIssuer] = "le", [Annotations.Duration] = "90 days" }, ("broken-tls", ["broken.example"]));
        await CreateIngressAsync("fine", ClusterIssuer, ("fine-tls", ["fine.example"]));
        StartShims();

        await WaitForCertificateAsync("fine-tls", _ => true, "the healthy Ingress's Certificate");
        await WaitForEventAsync("broken", ClusterShims.BadConfigReason, $"Annotation {Annotations.Duration}: \"90 days\" is not a Go duration");
        Assert.Null(await CertificateAsync("broken-tls"));
        Assert.Equal(EventRecord.Warning, Assert.Single(await EventsAsync("broken", ClusterShims.BadConfigReason)).Type);
    }

    [Fact]
    public async Task Gateways_are_read_through_v1beta1_where_v1_is_not_served()
    {
        // an older Gateway API install: only v1beta1 is served
        await Api.Client.ApiextensionsV1.PatchCustomResourceDefinitionAsync(new V1Patch("""
            [{"op": "replace", "path": "/spec/versions/0/served", "value": false},
             {"op": "replace", "path": "/spec/versions/0/storage", "value": false},
             {"op": "replace", "path": "/spec/versions/1/storage", "value": true}]
            """, V1Patch.PatchType.JsonPatch), "gateways.gateway.networking.k8s.io");
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await Api.Client.CustomObjects.ListNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", Api.Namespace, "gateways");
                return false;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "v1 Gateways are no longer served");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "Gateway",
             "metadata": {"name": "old", "annotations": {"cert-manager.io/issuer": "ca"}},
             "spec": {"gatewayClassName": "istio", "listeners": [{"name": "https", "port": 443, "protocol": "HTTPS",
               "hostname": "old.example", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "old-tls"}]}}]}}
            """).RootElement, "gateway.networking.k8s.io", "v1beta1", Api.Namespace, "gateways");
        StartShims();

        var certificate = await WaitForCertificateAsync("old-tls", _ => true, "the v1beta1 Gateway's Certificate");
        Assert.Equal(["old.example"], certificate.Spec.DnsNames!);
        Assert.Equal("gateway.networking.k8s.io/v1beta1", Assert.Single(certificate.Metadata.OwnerReferences!).ApiVersion);
    }

    [Fact]
    public async Task A_v1beta1_gateway_listener_gets_a_certificate_with_the_parent_ref_annotations_and_one_without_issuer_an_opt_in_hint()
    {
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "Gateway",
             "metadata": {"name": "gw", "annotations": {"cert-manager.io/cluster-issuer": "le"}},
             "spec": {"gatewayClassName": "istio", "listeners": [
               {"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "www.gw.example",
                "tls": {"mode": "Terminate", "certificateRefs": [{"name": "gw-tls"}]}},
               {"name": "pass", "port": 8443, "protocol": "TLS", "hostname": "db.gw.example",
                "tls": {"mode": "Passthrough", "certificateRefs": [{"name": "db-tls"}]}}]}}
            """).RootElement, "gateway.networking.k8s.io", "v1beta1", Api.Namespace, "gateways");
        await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse("""
            {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "plain"},
             "spec": {"gatewayClassName": "istio", "listeners": [{"name": "https", "port": 443, "protocol": "HTTPS",
               "hostname": "plain.example", "tls": {"mode": "Terminate", "certificateRefs": [{"name": "plain-tls"}]}}]}}
            """).RootElement, "gateway.networking.k8s.io", "v1", Api.Namespace, "gateways");
        StartShims();

        var certificate = await WaitForCertificateAsync("gw-tls", _ => true, "the Gateway's Certificate");
        Assert.Equal(["www.gw.example"], certificate.Spec.DnsNames!);
        Assert.Equal("gw", certificate.Metadata.Annotations![Annotations.Http01ParentRefName]);
        Assert.Equal("Gateway", certificate.Metadata.Annotations[Annotations.Http01ParentRefKind]);
        await WaitForEventAsync("plain", CertificateShim.NoIssuerReason, "No Certificate is made for this Gateway");
        Assert.Null(await CertificateAsync("db-tls"));
        Assert.Null(await CertificateAsync("plain-tls"));

        // deleting the Gateway takes its Certificate with it (garbage collection through the ownerReference)
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", Api.Namespace, "gateways", "gw");
        await Eventually.TrueAsync(async () => await CertificateAsync("gw-tls") is null, "gw-tls collected");
    }
}
