using System.Text.Json;
using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Solving;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Writing;

/// <summary>
/// A FleetCertificate's solver route in a member cluster (here a second connection, under another cluster name, to
/// the same emulator): a relay Service towards the silos' HTTP-01 endpoint for that member, the route to it, both
/// labelled with the FleetCertificate and removed together.
/// </summary>
public sealed class FleetSolverRouteTests : EmulatorTest
{
    private const string Token = "tok_fleet-1";
    private const string Fleet = "shop";

    private ClusterWriter Writer(string? fleetEndpoint = null) => new(Api.Clusters,
        new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System), Options.Create(new BridgeOptions { Identity = "silo-1" }),
            NullLogger<EventRecorder>.Instance),
        Options.Create(new SolverServiceOptions { FleetHttp01Endpoint = fleetEndpoint }));

    private void Join(string member, string? http01Endpoint = null) =>
        Api.Clusters.Add(new ClusterRegistration(member, ClusterRegistration.SecretSource, new Dictionary<string, string>()) { Http01Endpoint = http01Endpoint },
            KubernetesClientConfiguration.BuildConfigFromConfigFile(Api.Server.KubeconfigPath), BridgeEmulator.BridgeOptionsFor(Api.Server));

    private SolverRoute Route(string member, SolverIngress? ingress = null, SolverHttpRoute? httpRoute = null) => new()
    {
        Challenge = new ObjectKey(member, Api.Namespace, "shop-1-2345-678"),
        ChallengeUid = "uid-of-the-home-challenge",
        DnsName = "shop.example.com",
        Token = Token,
        ServiceName = "certfleet-solver",
        ServicePort = 8089,
        Ingress = ingress,
        HttpRoute = httpRoute,
        FleetCertificate = Fleet,
    };

    [Fact]
    public async Task An_ip_endpoint_becomes_a_relay_service_with_one_slice_that_the_member_ingress_routes_to_and_owns_it()
    {
        Join("member-a");
        var route = Route("member-a", new SolverIngress { IngressClassName = "nginx" });
        var writer = Writer("203.0.113.10:31089");

        await writer.ApplySolverRouteAsync(route);
        await writer.ApplySolverRouteAsync(route);

        var name = SolverObjects.Name(route);
        var service = await Api.Client.CoreV1.ReadNamespacedServiceAsync(name, Api.Namespace);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Null(service.Spec.Selector);
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(("http01", 31089), (port.Name, port.Port));
        Assert.Equal(Fleet, service.Metadata.Labels[FleetNames.FleetCertificateLabel]);
        Assert.Equal("certfleet", service.Metadata.Labels["app.kubernetes.io/managed-by"]);

        var slice = await Api.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync($"{name}-ipv4", Api.Namespace);
        Assert.Equal(name, slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal(["203.0.113.10"], Assert.Single(slice.Endpoints).Addresses);
        Assert.Equal(31089, Assert.Single(slice.Ports).Port);

        var ingress = Assert.Single((await Api.Client.NetworkingV1.ListNamespacedIngressAsync(Api.Namespace)).Items);
        Assert.Equal(name, ingress.Metadata.Name);
        Assert.Equal("nginx", ingress.Spec.IngressClassName);
        Assert.Equal(Fleet, ingress.Metadata.Labels[FleetNames.FleetCertificateLabel]);
        Assert.Equal("true", ingress.Metadata.Labels[SolverObjects.SolverLabel]);
        var backend = Assert.Single(Assert.Single(ingress.Spec.Rules).Http.Paths).Backend.Service;
        Assert.Equal((name, 31089), (backend.Name, backend.Port.Number ?? 0));
        // No Challenge exists in a member: the relay Service owns the route (an owner that is missing would have the
        // garbage collector delete it).
        var owner = Assert.Single(ingress.Metadata.OwnerReferences);
        Assert.Equal(("Service", name, service.Metadata.Uid), (owner.Kind, owner.Name, owner.Uid));

        await writer.DeleteSolverRouteAsync(route);
        await writer.DeleteSolverRouteAsync(route);

        Assert.Empty((await Api.Client.NetworkingV1.ListNamespacedIngressAsync(Api.Namespace)).Items);
        Assert.Empty((await Api.Client.CoreV1.ListNamespacedServiceAsync(Api.Namespace)).Items);
        Assert.Empty((await Api.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(Api.Namespace)).Items);
    }

    [Fact]
    public async Task The_members_own_host_name_endpoint_wins_and_becomes_an_external_name_service_behind_an_http_route()
    {
        Join("member-b", http01Endpoint: "Silos.Example.NET:80");
        var route = Route("member-b", httpRoute: new SolverHttpRoute { ParentRefs = [new SolverParentRef("edge", Namespace: "infra")] });
        var writer = Writer("203.0.113.10:31089");

        await writer.ApplySolverRouteAsync(route);

        var name = SolverObjects.Name(route);
        var service = await Api.Client.CoreV1.ReadNamespacedServiceAsync(name, Api.Namespace);
        Assert.Equal(("ExternalName", "silos.example.net", 80), (service.Spec.Type, service.Spec.ExternalName, Assert.Single(service.Spec.Ports).Port));
        Assert.Empty((await Api.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(Api.Namespace)).Items);
        var stored = (JsonElement)await Api.Client.CustomObjects.GetNamespacedCustomObjectAsync(
            "gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes", name);
        var rule = Assert.Single(stored.GetProperty("spec").GetProperty("rules").EnumerateArray());
        Assert.Equal($$"""[{"name":"{{name}}","port":80}]""", rule.GetProperty("backendRefs").GetRawText());
        Assert.Equal(Fleet, stored.GetProperty("metadata").GetProperty("labels").GetProperty(FleetNames.FleetCertificateLabel).GetString());

        await writer.DeleteSolverRouteAsync(route);

        var list = (JsonElement)await Api.Client.CustomObjects.ListNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", Api.Namespace, "httproutes");
        Assert.Empty(list.GetProperty("items").EnumerateArray());
        Assert.Empty((await Api.Client.CoreV1.ListNamespacedServiceAsync(Api.Namespace)).Items);
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_written_and_the_error_names_the_setting_and_the_annotation()
    {
        Join("member-c");

        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer().ApplySolverRouteAsync(Route("member-c", new SolverIngress())));

        Assert.Contains("member cluster \"member-c\"", error.Message);
        Assert.Contains("CertFleet__Fleet__Http01Endpoint", error.Message);
        Assert.Contains(FleetNames.Http01EndpointAnnotation, error.Message);
        Assert.Empty((await Api.Client.CoreV1.ListNamespacedServiceAsync(Api.Namespace)).Items);
        Assert.Empty((await Api.Client.NetworkingV1.ListNamespacedIngressAsync(Api.Namespace)).Items);
    }

    [Fact]
    public async Task A_bad_annotation_is_named_with_an_example()
    {
        Join("member-d", http01Endpoint: "10.1:80");

        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer("203.0.113.10:31089").ApplySolverRouteAsync(Route("member-d", new SolverIngress())));

        Assert.Contains($"{FleetNames.Http01EndpointAnnotation}=\"10.1:80\"", error.Message);
        Assert.Contains("e.g. 203.0.113.10:8089", error.Message);
    }

    [Fact]
    public async Task A_cluster_that_left_the_fleet_is_refused_for_a_route_and_its_clean_up_alike()
    {
        var route = Route("gone", new SolverIngress());

        var error = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer("203.0.113.10:31089").ApplySolverRouteAsync(route));
        Assert.True(error.IsNotMember);
        error = await Assert.ThrowsAsync<ClusterWriteException>(() => Writer("203.0.113.10:31089").DeleteSolverRouteAsync(route));
        Assert.True(error.IsNotMember);
    }

    [Theory]
    [InlineData("203.0.113.10:8089", "203.0.113.10", 8089)]
    [InlineData("[2001:DB8::5]:80", "2001:db8::5", 80)]
    [InlineData("http01.example.com:443", "http01.example.com", 443)]
    public void Endpoints_parse(string text, string host, int port)
    {
        Assert.True(SolverRelay.Endpoint.TryParse(text, out var endpoint));
        Assert.Equal((host, port), (endpoint.Host, endpoint.Port));
    }

    [Theory]
    [InlineData("203.0.113.10")]
    [InlineData("2001:db8::5:80")]
    [InlineData("10.1:80")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("bad host:80")]
    [InlineData(":80")]
    [InlineData("127.0.0.1:8089")]
    [InlineData("[::1]:8089")]
    [InlineData("169.254.1.1:80")]
    [InlineData("[fe80::1]:80")]
    [InlineData("0.0.0.0:80")]
    [InlineData("224.0.0.1:80")]
    public void Bad_endpoints_do_not_parse(string text) => Assert.False(SolverRelay.Endpoint.TryParse(text, out _));
}
