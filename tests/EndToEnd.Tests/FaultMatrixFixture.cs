using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
    private HttpClient? _emulatorAdmin;

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
        _emulatorAdmin = EmulatorAdminClient(await File.ReadAllTextAsync(Kubeconfig));
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
    public async Task<JsonNode> EmulatorFaultAsync(string json)
    {
        using var answer = await _emulatorAdmin!.PostAsync("/emulator/faults", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"the emulator refused fault {json}: {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>One of the emulator's counters (GET /emulator/stats), e.g. "faultsInjected" or "requests".</summary>
    public async Task<long> EmulatorCounterAsync(string name)
    {
        var stats = JsonNode.Parse(await _emulatorAdmin!.GetStringAsync("/emulator/stats"))!;
        return stats[name]!.GetValue<long>();
    }

    /// <summary>DELETE /emulator/faults: no write faults, latency or clock skew.</summary>
    public async Task ClearEmulatorFaultsAsync()
    {
        using var answer = await _emulatorAdmin!.DeleteAsync("/emulator/faults");
        answer.EnsureSuccessStatusCode();
    }

    /// <summary>POST /emulator/watch-history/truncate: a watch resumed from before now gets 410 Gone.</summary>
    public async Task TruncateWatchHistoryAsync()
    {
        using var answer = await _emulatorAdmin!.PostAsync("/emulator/watch-history/truncate", null);
        answer.EnsureSuccessStatusCode();
    }

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

    /// <summary>An HTTP client for the emulator's admin endpoints, from the kubeconfig it wrote.</summary>
    private static HttpClient EmulatorAdminClient(string kubeconfig)
    {
        string Field(string name) => Regex.Match(kubeconfig, $@"^\s*{name}: (\S+)\s*$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"the emulator's kubeconfig has no {name}");
        var ca = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(Field("certificate-authority-data"))));
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate!);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Field("server")), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Field("token"));
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class FaultMatrixCollection : ICollectionFixture<FaultMatrixFixture>
{
    public const string Name = "fault-matrix";
}
