using CertFleet.Bridge.Tests.Infrastructure;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Solving;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CertFleet.Bridge.Tests.Solving;

/// <summary>
/// The solver Services against the API emulator: HTTP-01 Challenges and the release Service's EndpointSlices in, a
/// selector-less Service and its EndpointSlices per Challenge namespace out.
/// </summary>
public sealed class SolverServiceTests : EmulatorTest
{
    private const string Release = "certfleet-system";
    private const string SiloService = "certfleet-http01";
    private const int SolverPort = 8089;

    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private static SolverServiceOptions Options() => new()
    {
        ServiceName = "certfleet-solver",
        Port = SolverPort,
        SiloServiceName = SiloService,
        SiloServiceNamespace = Release,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Api.CreateNamespaceAsync(Release);
    }

    private void Start()
    {
        var events = new EventRecorder(Api.Clusters, new EventCorrelator(TimeProvider.System),
            Microsoft.Extensions.Options.Options.Create(new BridgeOptions { Identity = "silo-1" }), NullLogger<EventRecorder>.Instance);
        _running = new ClusterSolverServices(Api.Connection, events, Options(), NullLoggerFactory.Instance).RunAsync(_stop.Token);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await base.DisposeAsync();
    }

    private async Task<string> CreateChallengeAsync(string ns, string name, string type = ChallengeTypes.Http01)
    {
        var created = await Api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Dictionary<string, object>
        {
            ["apiVersion"] = "acme.cert-manager.io/v1",
            ["kind"] = "Challenge",
            ["metadata"] = new Dictionary<string, object> { ["name"] = name },
            ["spec"] = new Dictionary<string, object>
            {
                ["dnsName"] = "web.example.com", ["token"] = "tok", ["key"] = "tok.thumb", ["type"] = type,
                ["url"] = "https://ca.example/chall/1", ["authorizationURL"] = "https://ca.example/authz/1",
                ["issuerRef"] = new Dictionary<string, object> { ["name"] = "le" },
                ["solver"] = new Dictionary<string, object>(),
            },
        }, "acme.cert-manager.io", "v1", ns, "challenges");
        return ((System.Text.Json.JsonElement)created).GetProperty("metadata").GetProperty("uid").GetString()!;
    }

    /// <summary>What Kubernetes' EndpointSlice controller writes for the release's http01 Service.</summary>
    private Task<V1EndpointSlice> CreateSiloSliceAsync(string name, string addressType, params string[] addresses) =>
        Api.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SiloSlice(name, addressType, addresses), Release);

    private static V1EndpointSlice SiloSlice(string name, string addressType, params string[] addresses) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = SiloService,
                ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
            },
        },
        AddressType = addressType,
        Endpoints = [.. addresses.Select(address => new V1Endpoint
        {
            Addresses = [address],
            Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            NodeName = "node-1",
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = "certfleet-" + address.Replace('.', '-').Replace(':', '-'), NamespaceProperty = Release },
        })],
        Ports = [new Discoveryv1EndpointPort { Name = "http01", Port = SolverPort, Protocol = "TCP" }],
    };

    private async Task<V1Service?> ServiceAsync(string ns)
    {
        try
        {
            return await Api.Client.CoreV1.ReadNamespacedServiceAsync("certfleet-solver", ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<V1EndpointSlice?> SliceAsync(string ns, string family)
    {
        try
        {
            return await Api.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync($"certfleet-solver-{family}", ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static List<string> Addresses(V1EndpointSlice? slice) => [.. (slice?.Endpoints ?? []).SelectMany(e => e.Addresses)];

    private Task WaitForAddressesAsync(string ns, string family, params string[] expected) => Eventually.TrueAsync(
        async () => Addresses(await SliceAsync(ns, family)).SequenceEqual(expected),
        $"the {family} slice in {ns} holds [{string.Join(", ", expected)}]");

    private Task WaitForNoSolverServiceAsync(string ns) => Eventually.TrueAsync(
        async () => await ServiceAsync(ns) is null && await SliceAsync(ns, "ipv4") is null && await SliceAsync(ns, "ipv6") is null,
        $"no solver Service or slice left in {ns}");

    [Fact]
    public async Task A_live_http01_challenge_gets_a_selector_less_service_whose_slices_name_the_silo_pods()
    {
        await Api.CreateNamespaceAsync("shop");
        await Api.CreateNamespaceAsync("dns-only");
        await CreateSiloSliceAsync("certfleet-http01-abcde", "IPv4", "10.244.1.7", "10.244.2.9");
        await CreateSiloSliceAsync("certfleet-http01-fghij", "IPv6", "fd00:10:244::7");
        await CreateChallengeAsync("shop", "web-1-111-0");
        await CreateChallengeAsync("dns-only", "web-1-222-0", ChallengeTypes.Dns01);
        Start();

        await WaitForAddressesAsync("shop", "ipv4", "10.244.1.7", "10.244.2.9");
        await WaitForAddressesAsync("shop", "ipv6", "fd00:10:244::7");
        var service = (await ServiceAsync("shop"))!;
        Assert.Null(service.Spec.Selector);
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(("http01", SolverPort, "TCP", SolverPort.ToString()), (port.Name, port.Port, port.Protocol, port.TargetPort.Value));
        Assert.Equal("certfleet", service.Metadata.Labels["app.kubernetes.io/managed-by"]);

        var slice = (await SliceAsync("shop", "ipv4"))!;
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal("certfleet-solver", slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal("solver-service.certfleet.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        var slicePort = Assert.Single(slice.Ports);
        Assert.Equal(("http01", SolverPort, "TCP"), (slicePort.Name, slicePort.Port, slicePort.Protocol));
        Assert.All(slice.Endpoints, endpoint => Assert.True(endpoint.Conditions.Ready));
        Assert.All(slice.Endpoints, endpoint => Assert.Null(endpoint.TargetRef));
        Assert.Equal(service.Metadata.Uid, Assert.Single(slice.Metadata.OwnerReferences).Uid);

        // a DNS-01 Challenge needs no route, so its namespace gets nothing
        Assert.Null(await ServiceAsync("dns-only"));
    }

    [Fact]
    public async Task The_slices_follow_the_silos_and_everything_goes_with_the_last_challenge()
    {
        await Api.CreateNamespaceAsync("shop");
        await CreateSiloSliceAsync("certfleet-http01-abcde", "IPv4", "10.244.1.7");
        await CreateChallengeAsync("shop", "web-1-111-0");
        await CreateChallengeAsync("shop", "web-1-111-1");
        Start();
        await WaitForAddressesAsync("shop", "ipv4", "10.244.1.7");
        Assert.Null(await SliceAsync("shop", "ipv6"));

        // a silo starts, another one goes (the endpointslice controller rewrites the release's slice)
        var current = await Api.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("certfleet-http01-abcde", Release);
        var next = SiloSlice("certfleet-http01-abcde", "IPv4", "10.244.3.4", "10.244.1.7");
        next.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
        await Api.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(next, "certfleet-http01-abcde", Release);
        await WaitForAddressesAsync("shop", "ipv4", "10.244.1.7", "10.244.3.4");
        current = await Api.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("certfleet-http01-abcde", Release);
        next = SiloSlice("certfleet-http01-abcde", "IPv4", "10.244.3.4");
        next.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
        await Api.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(next, "certfleet-http01-abcde", Release);
        await WaitForAddressesAsync("shop", "ipv4", "10.244.3.4");

        // one Challenge finishes (a final state): the other still needs the Service
        await Api.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"state":"valid","processing":false}}""", V1Patch.PatchType.MergePatch),
            "acme.cert-manager.io", "v1", "shop", "challenges", "web-1-111-0");
        await Task.Delay(500);
        Assert.NotNull(await ServiceAsync("shop"));
        Assert.NotNull(await SliceAsync("shop", "ipv4"));

        // the last one is deleted: Service and slice go
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("acme.cert-manager.io", "v1", "shop", "challenges", "web-1-111-1");
        await WaitForNoSolverServiceAsync("shop");
    }

    [Fact]
    public async Task A_service_of_that_name_not_made_by_certfleet_is_left_alone_and_the_challenge_is_told()
    {
        await Api.CreateNamespaceAsync("shop");
        await CreateSiloSliceAsync("certfleet-http01-abcde", "IPv4", "10.244.1.7");
        var foreign = await Api.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "certfleet-solver", Labels = new Dictionary<string, string> { ["app"] = "mine" } },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "mine" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, "shop");
        await CreateChallengeAsync("shop", "web-1-111-0");
        Start();

        await Eventually.TrueAsync(async () => (await Api.Client.CoreV1.ListNamespacedEventAsync("shop")).Items.Any(e =>
                e.InvolvedObject.Kind == "Challenge" && e.InvolvedObject.Name == "web-1-111-0" && e.Type == "Warning"
                && e.Reason == ClusterSolverServices.ServiceNotOwnedReason
                && e.Message.Contains("Service \"certfleet-solver\" in namespace \"shop\" was not made by CertFleet", StringComparison.Ordinal)
                && e.Message.Contains("CertFleet__Http01__SolverServiceName", StringComparison.Ordinal)),
            "a SolverServiceNotOwned Warning on the Challenge");
        var after = (await ServiceAsync("shop"))!;
        Assert.Equal(foreign.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Null(await SliceAsync("shop", "ipv4"));

        // the Challenge goes: the foreign Service still stays
        await Api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync("acme.cert-manager.io", "v1", "shop", "challenges", "web-1-111-0");
        await Task.Delay(500);
        Assert.Equal(foreign.Metadata.Uid, (await ServiceAsync("shop"))!.Metadata.Uid);
    }

    [Fact]
    public async Task A_solver_service_left_from_an_earlier_term_without_challenges_is_removed_at_start()
    {
        await Api.CreateNamespaceAsync("gone");
        await CreateSiloSliceAsync("certfleet-http01-abcde", "IPv4", "10.244.1.7");
        var left = await Api.Client.CoreV1.CreateNamespacedServiceAsync(SolverServiceObjects.Service("gone", Options()), "gone");
        await Api.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SolverServiceObjects.Slice("gone", left, "IPv4",
            [new V1Endpoint { Addresses = ["10.244.1.7"] }], Options()), "gone");
        Start();

        await WaitForNoSolverServiceAsync("gone");
    }

    private static string StatusMessage(k8s.Autorest.HttpOperationException error) =>
        System.Text.Json.JsonDocument.Parse(error.Response.Content).RootElement.GetProperty("message").GetString()!;

    [Theory]
    [InlineData("IPv4", "127.0.0.1", "may not be in the loopback range (127.0.0.0/8, ::1/128)")]
    [InlineData("IPv4", "169.254.169.254", "may not be in the link-local range (169.254.0.0/16, fe80::/10)")]
    [InlineData("IPv4", "0.0.0.0", "may not be unspecified (0.0.0.0)")]
    [InlineData("IPv4", "10.0.0", "must be a valid IPv4 address")]
    [InlineData("IPv4", "fd00::1", "must be a valid IPv4 address")]
    [InlineData("IPv6", "::1", "may not be in the loopback range (127.0.0.0/8, ::1/128)")]
    [InlineData("IPv6", "fe80::1", "may not be in the link-local range (169.254.0.0/16, fe80::/10)")]
    [InlineData("IPv6", "10.0.0.1", "must be a valid IPv6 address")]
    public async Task The_emulator_refuses_endpoint_addresses_as_kube_apiserver_does(string addressType, string address, string message)
    {
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            Api.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SiloSlice("bad", addressType, address), Release));
        Assert.Equal(422, (int)error.Response.StatusCode);
        var expected = $"endpoints[0].addresses[0]: Invalid value: \"{address}\": {message}";
        Assert.Contains(expected, StatusMessage(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_emulator_defaults_port_protocols_and_keeps_the_address_type_fixed()
    {
        var slice = SiloSlice("ok", "IPv4", "10.1.2.3");
        slice.Ports[0].Protocol = null;
        var created = await Api.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, Release);
        Assert.Equal("TCP", created.Ports[0].Protocol);

        created.AddressType = "IPv6";
        created.Endpoints = [new V1Endpoint { Addresses = ["fd00::5"] }];
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            Api.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(created, "ok", Release));
        Assert.Equal(422, (int)error.Response.StatusCode);
        const string expected = "addressType: Invalid value: \"IPv6\": field is immutable";
        Assert.Contains(expected, StatusMessage(error), StringComparison.Ordinal);
    }
}
