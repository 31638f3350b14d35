using System.Text.Json;

namespace CertFleet.TestSupport;

/// <summary>
/// What an installed CertFleet must show for HTTP-01 in a Challenge's namespace, through kubectl (any kubeconfig): the
/// selector-less solver Service and its EndpointSlice naming the silo pods. Shared by the end-to-end tests and the
/// helm-install tests; <c>kubectl</c> runs kubectl with the given arguments and returns its output (throwing on failure).
/// </summary>
public static class SolverServiceChecks
{
    public const string SolverService = "certfleet-solver";

    /// <summary>
    /// The EndpointSlice Kubernetes' EndpointSlice controller keeps for the release's http01 Service, which the emulator
    /// (with no controllers) does not make: the silo pods' addresses on the solver port.
    /// </summary>
    public static string SiloSliceManifest(string ns, string siloService, int port, params string[] addresses) => $$"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {{siloService}}-e2e01
          namespace: {{ns}}
          labels:
            kubernetes.io/service-name: {{siloService}}
            endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
        addressType: IPv4
        ports:
          - name: http01
            port: {{port}}
            protocol: TCP
        endpoints:
        """ + string.Concat(addresses.Select(address => $$"""

          - addresses: [{{address}}]
            conditions: {ready: true, serving: true, terminating: false}
        """));

    /// <summary>
    /// Waits until <paramref name="ns"/> has the solver Service (no selector, one TCP port named http01 with port and
    /// targetPort <paramref name="port"/>, made by CertFleet) and its IPv4 EndpointSlice holding exactly
    /// <paramref name="addresses"/> (in address order) on that port.
    /// </summary>
    public static async Task WaitForSolverServiceAsync(Func<string[], Task<string>> kubectl, string ns, int port,
        IReadOnlyList<string> addresses, TimeSpan timeout)
    {
        string last = "";
        await WaitAsync(async () =>
        {
            var (service, slice) = await ReadAsync(kubectl, ns);
            last = $"Service: {service}\nEndpointSlice: {slice}";
            if (service is not { } svc || slice is not { } eps)
                return false;
            var spec = svc.GetProperty("spec");
            var ports = spec.GetProperty("ports").EnumerateArray().ToList();
            var serviceOk = !spec.TryGetProperty("selector", out _)
                && svc.GetProperty("metadata").GetProperty("labels").GetProperty("app.kubernetes.io/managed-by").GetString() == "certfleet"
                && ports.Count == 1 && ports[0].GetProperty("name").GetString() == "http01" && ports[0].GetProperty("port").GetInt32() == port
                && ports[0].GetProperty("targetPort").GetInt32() == port && ports[0].GetProperty("protocol").GetString() == "TCP";
            var sliceLabels = eps.GetProperty("metadata").GetProperty("labels");
            var slicePorts = eps.GetProperty("ports").EnumerateArray().ToList();
            var sliceAddresses = eps.TryGetProperty("endpoints", out var endpoints)
                ? endpoints.EnumerateArray().SelectMany(e => e.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()!)).ToList()
                : [];
            var sliceOk = eps.GetProperty("addressType").GetString() == "IPv4"
                && sliceLabels.GetProperty("kubernetes.io/service-name").GetString() == SolverService
                && slicePorts.Count == 1 && slicePorts[0].GetProperty("name").GetString() == "http01" && slicePorts[0].GetProperty("port").GetInt32() == port
                && sliceAddresses.SequenceEqual(addresses);
            return serviceOk && sliceOk;
        }, timeout, () => $"the solver Service and slice in {ns} on port {port} with [{string.Join(", ", addresses)}]; last seen:\n{last}");
    }

    /// <summary>Waits until <paramref name="ns"/> has neither the solver Service nor any of its EndpointSlices.</summary>
    public static Task WaitForNoSolverServiceAsync(Func<string[], Task<string>> kubectl, string ns, TimeSpan timeout) =>
        WaitAsync(async () => await ReadAsync(kubectl, ns) is (null, null), timeout, () => $"no solver Service or EndpointSlice left in {ns}");

    private static async Task<(JsonElement? Service, JsonElement? Slice)> ReadAsync(Func<string[], Task<string>> kubectl, string ns)
    {
        var services = JsonDocument.Parse(await kubectl(["-n", ns, "get", "services", "-o", "json"])).RootElement.GetProperty("items");
        var slices = JsonDocument.Parse(await kubectl(["-n", ns, "get", "endpointslices", "-l", $"kubernetes.io/service-name={SolverService}", "-o", "json"]))
            .RootElement.GetProperty("items");
        JsonElement? service = services.EnumerateArray().Where(s => s.GetProperty("metadata").GetProperty("name").GetString() == SolverService)
            .Select(s => (JsonElement?)s).FirstOrDefault();
        JsonElement? slice = slices.EnumerateArray().Select(s => (JsonElement?)s).FirstOrDefault();
        return (service, slice);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(200);
        }
    }
}
