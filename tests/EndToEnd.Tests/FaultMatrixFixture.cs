using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.TestSupport;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// One stack for every row of the fault matrix, each row resetting its own fault: the emulator (whose faults are set
/// over its admin endpoint), a silo on Redis storage, Pebble behind an <see cref="AcmeCountingProxy"/> (which counts
/// the orders Pebble creates and injects the CA's faults), and a Cloudflare fake for DNS-01 whose records challtestsrv
/// serves. Challenges pass without Pebble fetching them: the silo's own DNS-01 propagation check still waits for the
/// TXT record, and an outage of the silo's own storage would otherwise fail a validation the CA makes meanwhile, which
/// is a failed order, not a lost step. The rows' results are printed as one table when the fixture ends.
/// </summary>
public sealed class FaultMatrixFixture(IMessageSink diagnostics) : PebbleControllerFixture, IAsyncLifetime
{
    public const string ServiceId = "faults";
    public const string HttpIssuer = "faults-http01";
    public const string DnsIssuer = "faults-dns01";
    public const string CloudflareToken = "fault-matrix-token";

    private readonly List<string> _rows = [];
    private EmulatorAdmin? _emulatorAdmin;

    public RedisServer Redis { get; private set; } = null!;

    public AcmeCountingProxy Proxy { get; private set; } = null!;

    public CloudflareFakeApi Cloudflare { get; private set; } = null!;

    protected override PebbleOptions Options => new()
    {
        HttpChallengePort = SolverPort,
        AlwaysValid = true,
        AuthorizationReusePercent = 0,
        // badNonce comes only when a row asks for it
        NonceRejectPercent = 0,
    };

    protected override (Uri Server, string CaPem) AcmeEndpoint => (Proxy.DirectoryUrl, Proxy.CaPem);

    protected override async Task BeforeSiloAsync()
    {
        Redis = await RedisServer.StartAsync(appendOnly: true);
        await base.BeforeSiloAsync();
        Proxy = await AcmeCountingProxy.StartAsync(Pebble);
        Cloudflare = await CloudflareFakeApi.StartWithTokenAsync(CloudflareToken);
        Cloudflare.RecordsChanged = new ChallengeServerTxtRecords(Pebble.ChallengeServer).PublishAsync;
        _emulatorAdmin = await EmulatorAdmin.ForKubeconfigAsync(Kubeconfig);
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Storage"] = "redis",
        ["CertFleet__Redis__ConnectionString"] = Redis.ConnectionString,
        ["CertFleet__Orleans__ServiceId"] = ServiceId,
        ["CertFleet__Orleans__ClusterId"] = ServiceId,
        ["CertFleet__Dns01__CloudflareApiUrl"] = Cloudflare.BaseUrl,
    };

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await MustApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: cloudflare-token, namespace: cert-manager}
            stringData: {api-token: {{CloudflareToken}}}
            """);
        await MustApplyAsync(ClusterIssuer(HttpIssuer));
        await MustApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: ClusterIssuer
            metadata:
              name: {{DnsIssuer}}
            spec:
              acme:
                server: {{Proxy.DirectoryUrl}}
                caBundle: {{Convert.ToBase64String(Encoding.UTF8.GetBytes(Proxy.CaPem))}}
                privateKeySecretRef:
                  name: {{DnsIssuer}}-account-key
                solvers:
                  - dns01:
                      cloudflare:
                        apiTokenSecretRef: {name: cloudflare-token, key: api-token}
            """);
        foreach (var issuer in new[] { HttpIssuer, DnsIssuer })
            await Processes.Eventually(async () => (await KubectlAsync("get", "clusterissuer", issuer, "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Output, ready => ready == "True", $"ClusterIssuer {issuer} to be Ready");
    }

    /// <summary>One row of the printed table.</summary>
    /// <param name="injected">What the fault did, as counted where it was injected.</param>
    public void Record(string fault, int certificates, int ready, int orders, TimeSpan elapsed, string injected)
    {
        lock (_rows)
            _rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {fault,-44} | {certificates,12} | {ready,5} | {orders,6} | {elapsed.TotalSeconds,7:0.0} | {injected,-28} |"));
    }

    public string Table()
    {
        lock (_rows)
            return string.Join('\n', [
                $"| {"fault",-44} | {"Certificates",12} | {"Ready",5} | {"orders",6} | {"seconds",7} | {"injected",-28} |",
                $"|{new string('-', 46)}|{new string('-', 14)}|{new string('-', 7)}|{new string('-', 8)}|{new string('-', 9)}|{new string('-', 30)}|",
                .. _rows]);
    }

    /// <summary>POST /emulator/faults with this JSON body.</summary>
    public Task<JsonNode> EmulatorFaultAsync(string json) => _emulatorAdmin!.FaultAsync(json);

    /// <summary>One of the emulator's counters (GET /emulator/stats), e.g. "faultsInjected" or "requests".</summary>
    public Task<long> EmulatorCounterAsync(string name) => _emulatorAdmin!.CounterAsync(name);

    /// <summary>DELETE /emulator/faults: no write faults, latency or clock skew.</summary>
    public Task ClearEmulatorFaultsAsync() => _emulatorAdmin!.ClearFaultsAsync();

    /// <summary>POST /emulator/watch-history/truncate: a watch resumed from before now gets 410 Gone.</summary>
    public Task TruncateWatchHistoryAsync() => _emulatorAdmin!.TruncateWatchHistoryAsync();

    protected override async ValueTask DisposeExtrasAsync()
    {
        var table = Table();
        diagnostics.OnMessage(new DiagnosticMessage("Fault matrix:\n" + table));
        _emulatorAdmin?.Dispose();
        if (Proxy is not null)
            await Proxy.DisposeAsync();
        if (Cloudflare is not null)
            await Cloudflare.DisposeAsync();
        await base.DisposeExtrasAsync();
        if (Redis is not null)
            await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FaultMatrixCollection : ICollectionFixture<FaultMatrixFixture>
{
    public const string Name = "fault-matrix";
}
