using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace CertFleet.KubeEmulator.Tests;

/// <summary>Fault injection changes the whole server, so each test has its own emulator.</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private KubeEmulatorServer _server = null!;
    private Kubernetes _client = null!;
    private string _ns = null!;

    public async Task InitializeAsync()
    {
        _server = await EmulatorFixture.StartAsync();
        _client = EmulatorFixture.NewClient(_server);
        _ns = await EmulatorFixture.CreateNamespaceAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static V1Secret Secret(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };

    [Fact]
    public async Task The_next_N_matching_writes_fail_with_409_then_writes_succeed()
    {
        _server.Faults.FailWrites(new WriteFault("", "secrets", 409, Count: 2));

        var first = await ApiAssert.FailsAsync(409, () => _client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), _ns));
        await ApiAssert.FailsAsync(409, () => _client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), _ns));
        var created = await _client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), _ns);

        Assert.Contains("the object has been modified", first.Message());
        Assert.Equal("s1", created.Metadata.Name);
        Assert.Equal(2, _server.Stats.FaultsInjected);
        // every attempt counts as a write, by verb and resource
        Assert.Equal(3, _server.Stats.WritesByTarget["create secrets"]);
    }

    [Fact]
    public async Task Faults_can_target_one_object_and_one_verb_with_500()
    {
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "target" } }, _ns);
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other" } }, _ns);
        _server.Faults.FailWrites(new WriteFault("", "configmaps", 500) { Namespace = _ns, Name = "target", Verb = "patch" });
        var patch = new V1Patch(JsonNode.Parse("""{"data":{"a":"b"}}""")!, V1Patch.PatchType.MergePatch);

        await _client.CoreV1.PatchNamespacedConfigMapAsync(patch, "other", _ns);
        var status = await ApiAssert.FailsAsync(500, () => _client.CoreV1.PatchNamespacedConfigMapAsync(patch, "target", _ns));
        var retried = await _client.CoreV1.PatchNamespacedConfigMapAsync(patch, "target", _ns);

        Assert.Equal("InternalError", status.Reason());
        Assert.Equal("b", retried.Data["a"]);
    }

    [Fact]
    public async Task Faults_and_stats_are_reachable_over_authenticated_HTTP()
    {
        using var http = RawHttp.Create(_server);
        using var anonymous = RawHttp.Create(_server, authenticate: false);
        var fault = """{"kind":"write","group":"","resource":"secrets","code":500,"count":1}""";

        using var refused = await anonymous.PostAsync("/emulator/faults", new StringContent(fault, Encoding.UTF8, "application/json"));
        using var added = await http.PostAsync("/emulator/faults", new StringContent(fault, Encoding.UTF8, "application/json"));
        await ApiAssert.FailsAsync(500, () => _client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), _ns));
        await _client.CoreV1.CreateNamespacedSecretAsync(Secret("s1"), _ns);
        var stats = await http.GetJsonAsync("/emulator/stats");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(1, stats["faultsInjected"]!.GetValue<long>());
        Assert.True(stats["writes"]!.GetValue<long>() >= 3);
        Assert.True(stats["commits"]!.GetValue<long>() >= 2);
    }

    [Fact]
    public async Task Expired_watches_get_a_410_ERROR_event()
    {
        await using var watch = WatchTests.WatchSecrets(_client, _ns, resourceVersion: null);
        await Eventually.HoldsAsync(() => Task.FromResult(_server.Stats.ActiveWatches == 1), "the watch is open");

        var affected = _server.Faults.BreakWatches("", "secrets", WatchBreak.Expire);
        await watch.Completion.WaitAsync(Eventually.DefaultDeadline);

        Assert.Equal(1, affected);
        var error = Assert.IsType<KubernetesException>(Assert.Single(watch.Errors));
        Assert.Equal(410, error.Status.Code);
    }

    [Fact]
    public async Task Cut_watches_end_without_an_event()
    {
        await using var watch = WatchTests.WatchSecrets(_client, _ns, resourceVersion: null);
        await Eventually.HoldsAsync(() => Task.FromResult(_server.Stats.ActiveWatches == 1), "the watch is open");

        var affected = _server.Faults.BreakWatches("", "secrets", WatchBreak.Cut);
        var ended = await Task.WhenAny(watch.Completion, Task.Delay(Eventually.DefaultDeadline));

        Assert.Equal(1, affected);
        Assert.Same(watch.Completion, ended);
        Assert.Empty(watch.Events);
        await Eventually.HoldsAsync(() => Task.FromResult(_server.Stats.ActiveWatches == 0), "the server closed the watch");
    }

    [Fact]
    public async Task An_unreachable_server_breaks_watches_and_answers_nothing_but_its_admin_endpoints_until_the_outage_ends()
    {
        await using var watch = WatchTests.WatchSecrets(_client, _ns, resourceVersion: null);
        await Eventually.HoldsAsync(() => Task.FromResult(_server.Stats.ActiveWatches == 1), "the watch is open");
        using var http = RawHttp.Create(_server);

        using var added = await http.PostAsync("/emulator/faults",
            new StringContent("""{"kind":"unreachable","seconds":60}""", Encoding.UTF8, "application/json"));
        var ended = await Task.WhenAny(watch.Completion, Task.Delay(Eventually.DefaultDeadline));
        var refused = await Record.ExceptionAsync(() => _client.CoreV1.CreateNamespacedSecretAsync(Secret("during"), _ns));
        var stats = await http.GetJsonAsync("/emulator/stats");
        _server.Faults.MakeUnreachable(TimeSpan.Zero);
        var after = await _client.CoreV1.CreateNamespacedSecretAsync(Secret("after"), _ns);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(1, JsonNode.Parse(await added.Content.ReadAsStringAsync())!["watchesAffected"]!.GetValue<int>());
        Assert.Same(watch.Completion, ended);
        Assert.Empty(watch.Events);
        // No Status body: the client sees a transport failure, not an answer.
        Assert.True(refused is HttpRequestException or IOException, $"{refused?.GetType().Name}: {refused?.Message}");
        Assert.Equal(1, stats["faultsInjected"]!.GetValue<long>());
        Assert.False(_server.Faults.IsUnreachable);
        Assert.Equal("after", after.Metadata.Name);
        // "during" never reached the store.
        Assert.Single((await _client.CoreV1.ListNamespacedSecretAsync(_ns)).Items);
    }

    [Fact]
    public async Task A_429_fault_with_retryAfterSeconds_sends_Retry_After_as_the_apiserver_does()
    {
        using var http = RawHttp.Create(_server);
        _server.Faults.FailWrites(new WriteFault("", "secrets", 429) { RetryAfterSeconds = 3 });

        using var refused = await http.PostAsync($"/api/v1/namespaces/{_ns}/secrets",
            new StringContent("""{"metadata":{"name":"s1"}}""", Encoding.UTF8, "application/json"));
        var status = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(3, status["details"]!["retryAfterSeconds"]!.GetValue<int>());
        Assert.Throws<ArgumentException>(() => _server.Faults.FailWrites(new WriteFault("", "secrets", 500) { RetryAfterSeconds = 3 }));
    }

    [Fact]
    public async Task A_skewed_clock_shifts_the_timestamps_the_server_writes_until_cleared()
    {
        _server.Faults.ClockOffset = TimeSpan.FromMinutes(10);
        var ahead = await _client.CoreV1.CreateNamespacedSecretAsync(Secret("ahead"), _ns);
        _server.Faults.Clear();
        var now = await _client.CoreV1.CreateNamespacedSecretAsync(Secret("now"), _ns);

        var skew = ahead.Metadata.CreationTimestamp!.Value - now.Metadata.CreationTimestamp!.Value;
        Assert.InRange(skew, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));
        Assert.Equal(TimeSpan.Zero, _server.Faults.ClockOffset);
    }

    [Fact]
    public async Task Latency_delays_every_request()
    {
        _server.Faults.Latency = TimeSpan.FromMilliseconds(300);

        var clock = Stopwatch.StartNew();
        await _client.CoreV1.ReadNamespaceAsync(_ns);
        var slow = clock.Elapsed;
        _server.Faults.Clear();

        Assert.True(slow >= TimeSpan.FromMilliseconds(290), $"took {slow}");
        Assert.Equal(TimeSpan.Zero, _server.Faults.Latency);
    }

    [Fact]
    public async Task Anonymous_and_wrong_token_requests_are_401()
    {
        using var anonymous = RawHttp.Create(_server, authenticate: false);
        using var wrong = RawHttp.Create(_server, authenticate: false);
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");

        using var response = await anonymous.GetAsync("/api/v1/namespaces");
        using var wrongResponse = await wrong.GetAsync("/api/v1/namespaces");
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal("Unauthorized", status["reason"]!.GetValue<string>());
        Assert.Equal(401, status["code"]!.GetValue<int>());
    }
}
