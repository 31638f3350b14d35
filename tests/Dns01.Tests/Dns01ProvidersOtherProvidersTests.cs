using System.Collections.Concurrent;
using CertFleet.Grains;
using CertFleet.Grains.Acme;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;
using Microsoft.Extensions.Options;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// cloudDNS, digitalocean, acmeDNS and akamai solvers built from an issuer's fields and Secrets (default keys, the
/// issuer's namespace), each working against its fake; every bad field a <see cref="Dns01ProviderException"/> naming
/// it; and the check the issuer runs at sync (<see cref="Dns01Providers.ProblemAsync"/>), which contacts nobody.
/// </summary>
public sealed class Dns01ProvidersOtherProvidersTests : IAsyncLifetime
{
    private const string Cluster = "local";
    private const string Fqdn = "_acme-challenge.example.com.";
    private const string Value = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

    private readonly Reader _reader = new();
    private CloudDnsFakeApi _google = null!;
    private DigitalOceanFakeApi _digitalocean = null!;
    private AcmeDnsFakeServer _acmeDns = null!;
    private AkamaiFakeApi _akamai = null!;

    public async Task InitializeAsync()
    {
        _google = await CloudDnsFakeApi.StartAsync("proj");
        _google.AddZone("example", "example.com");
        _digitalocean = await DigitalOceanFakeApi.StartAsync("do-token");
        _digitalocean.AddDomain("example.com");
        _acmeDns = await AcmeDnsFakeServer.StartAsync();
        _akamai = await AkamaiFakeApi.StartAsync("ct", "cs", "at");
        _akamai.AddZone("example.com");
    }

    public async Task DisposeAsync()
    {
        await _google.DisposeAsync();
        await _digitalocean.DisposeAsync();
        await _acmeDns.DisposeAsync();
        await _akamai.DisposeAsync();
    }

    private Dns01Providers Providers(bool issuerAmbient = false) => new(_reader, Options.Create(new IssuanceOptions
    {
        CloudDnsApiUrl = _google.BaseUrl,
        DigitalOceanApiUrl = _digitalocean.BaseUrl,
        AkamaiEndpoint = _akamai.Endpoint,
        IssuerAmbientCredentials = issuerAmbient,
    }));

    private static AcmeIssuerContext Issuer(string? ns) => new()
    {
        Issuer = new ObjectKey(Cluster, ns ?? "", "letsencrypt"),
        IssuerKind = ns is null ? "ClusterIssuer" : "Issuer",
        Spec = new AcmeIssuer { Server = "https://acme.invalid/directory" },
        AccountUrl = "https://acme.invalid/acct/1",
        AccountKeySecret = new ObjectKey(Cluster, ns ?? "cert-manager", "letsencrypt-account"),
    };

    private static SecretKeySelector Ref(string name, string? key = null) => new() { Name = name, Key = key };

    [Fact]
    public async Task EachProviderIsBuiltFromTheIssuersSecretsWithDefaultKeysAndWorks()
    {
        var account = _acmeDns.Register();
        _reader.Put("team-a", "gcp", ("key.json", _google.ServiceAccountKeyJson()));
        _reader.Put("team-a", "do", ("access-token", "do-token"));
        _reader.Put("team-a", "acme-dns", ("acmedns.json", AcmeDnsFakeServer.AccountJson(("example.com", account))));
        _reader.Put("team-a", "akamai", ("client-token", "ct"), ("client-secret", "cs"), ("access-token", "at"));
        using var providers = Providers();
        AcmeDns01Solver[] solvers =
        [
            new() { CloudDns = new AcmeDns01CloudDns { Project = "proj", ServiceAccountSecretRef = Ref("gcp") } },
            new() { Digitalocean = new AcmeDns01DigitalOcean { TokenSecretRef = Ref("do") } },
            new() { AcmeDns = new AcmeDns01AcmeDns { Host = _acmeDns.Root, AccountSecretRef = Ref("acme-dns") } },
            new()
            {
                Akamai = new AcmeDns01Akamai
                {
                    ServiceConsumerDomain = "akab-x.luna.akamaiapis.net",
                    ClientTokenSecretRef = Ref("akamai"), ClientSecretSecretRef = Ref("akamai"), AccessTokenSecretRef = Ref("akamai"),
                },
            },
        ];

        foreach (var solver in solvers)
        {
            var provider = await providers.CreateAsync(Issuer("team-a"), solver);
            await provider.PresentAsync(Fqdn, Value);
            await provider.CleanUpAsync(Fqdn, Value);
        }

        Assert.Null(_google.Rrdatas("example", Fqdn));
        Assert.Empty(_digitalocean.Records);
        Assert.Equal([Value], _acmeDns.Values(account));
        Assert.Null(_akamai.Rdata("_acme-challenge.example.com"));
        Assert.Equal(1, _google.TokensIssued);
        Assert.Contains(_google.Requests, r => r.StartsWith("POST /dns/v1/projects/proj/managedZones/example/changes", StringComparison.Ordinal));
        Assert.Contains(_digitalocean.Requests, r => r.StartsWith("POST /v2/domains/example.com/records", StringComparison.Ordinal));
        Assert.Contains(_akamai.Requests, r => r.StartsWith("POST /config-dns/v2/zones/example.com/names/", StringComparison.Ordinal));
        Assert.All(_reader.Reads, read => Assert.Equal("team-a", read.Namespace));
    }

    public static TheoryData<AcmeDns01Solver, string> BadSolvers() => new()
    {
        { new() { Digitalocean = new AcmeDns01DigitalOcean { TokenSecretRef = Ref("absent") } }, "digitalocean.tokenSecretRef: Secret \"team-a/absent\" not found" },
        { new() { Digitalocean = new AcmeDns01DigitalOcean { TokenSecretRef = Ref("present", "token") } }, "digitalocean.tokenSecretRef: Secret \"team-a/present\" has no key \"token\"" },
        { new() { CloudDns = new AcmeDns01CloudDns { Project = "proj", ServiceAccountSecretRef = Ref("present", "other") } }, "cloudDNS.serviceAccountSecretRef: the Secret's value is not a Google service account key" },
        { new() { CloudDns = new AcmeDns01CloudDns { ServiceAccountSecretRef = Ref("gcp") } }, "cloudDNS.project: Required value" },
        { new() { AcmeDns = new AcmeDns01AcmeDns { Host = "not a url", AccountSecretRef = Ref("present", "other") } }, "acmeDNS.host: \"not a url\" is not a URL" },
        { new() { AcmeDns = new AcmeDns01AcmeDns { Host = "https://auth.acme-dns.io", AccountSecretRef = Ref("present", "other") } }, "acmeDNS.accountSecretRef: the Secret's value is not JSON" },
        { new() { AcmeDns = new AcmeDns01AcmeDns { Host = "https://auth.acme-dns.io" } }, "acmeDNS.accountSecretRef: Required value" },
        {
            new() { Akamai = new AcmeDns01Akamai { ServiceConsumerDomain = "akab-x.luna.akamaiapis.net", ClientTokenSecretRef = Ref("present", "other"), ClientSecretSecretRef = Ref("absent"), AccessTokenSecretRef = Ref("present", "other") } },
            "akamai.clientSecretSecretRef: Secret \"team-a/absent\" not found"
        },
        { new() { Webhook = new AcmeDns01Webhook { GroupName = "acme.example" } }, "webhook.solverName: Required value" },
        { new(), "spec.acme.solvers[].dns01: no provider is configured" },
    };

    [Theory]
    [MemberData(nameof(BadSolvers))]
    public async Task EveryBadFieldIsNamedByBuildAndByTheCheck(AcmeDns01Solver solver, string expected)
    {
        _reader.Put("team-a", "present", ("other", "not-json"));
        _reader.Put("team-a", "gcp", ("key.json", _google.ServiceAccountKeyJson()));
        using var providers = Providers();

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => providers.CreateAsync(Issuer("team-a"), solver));
        var problem = await providers.ProblemAsync(new ObjectKey(Cluster, "team-a", "letsencrypt"), "Issuer", solver);

        Assert.Contains(expected, error.Message);
        Assert.StartsWith("spec.acme.solvers[].dns01", error.Message);
        Assert.Equal(error.Message, problem);
    }

    [Fact]
    public async Task CloudDnsWithoutAKeyIsAmbientWhichAnIssuerMayNotUseByDefault()
    {
        var solver = new AcmeDns01Solver { CloudDns = new AcmeDns01CloudDns { Project = "proj" } };
        using var providers = Providers();
        using var permissive = Providers(issuerAmbient: true);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => providers.CreateAsync(Issuer("team-a"), solver));

        Assert.StartsWith("spec.acme.solvers[].dns01.cloudDNS: an Issuer may not use the controller's ambient Google credentials", error.Message);
        Assert.Contains("set serviceAccountSecretRef, or enable CertFleet:Dns01:IssuerAmbientCredentials", error.Message);
        Assert.IsType<CloudDnsProvider>(await providers.CreateAsync(Issuer(null), solver));
        Assert.IsType<CloudDnsProvider>(await permissive.CreateAsync(Issuer("team-a"), solver));
        Assert.Empty(_reader.Reads);
    }

    [Fact]
    public async Task TheCheckMintsNoServiceAccountTokenAndCallsNoProvider()
    {
        _reader.Put("team-a", "do", ("access-token", "do-token"));
        using var providers = Providers();
        var route53 = new AcmeDns01Solver
        {
            Route53 = new AcmeDns01Route53
            {
                Role = "arn:aws:iam::123456789012:role/dns",
                Auth = new AcmeDns01Route53Auth { Kubernetes = new AcmeDns01Route53KubernetesAuth { ServiceAccountRef = new ServiceAccountRef { Name = "route53" } } },
            },
        };

        Assert.Null(await providers.ProblemAsync(new ObjectKey(Cluster, "team-a", "letsencrypt"), "Issuer", route53));
        Assert.Null(await providers.ProblemAsync(new ObjectKey(Cluster, "team-a", "letsencrypt"), "Issuer",
            new AcmeDns01Solver { Digitalocean = new AcmeDns01DigitalOcean { TokenSecretRef = Ref("do") } }));
        Assert.Null(await providers.ProblemAsync(new ObjectKey(Cluster, "", "letsencrypt"), "ClusterIssuer",
            new AcmeDns01Solver { CloudDns = new AcmeDns01CloudDns { Project = "proj" } }));

        Assert.Equal(0, _reader.TokenRequests);
        Assert.Empty(_digitalocean.Requests);
        Assert.Empty(_google.Requests);
    }

    /// <summary>Secrets by namespace and name, each with its own keys; what was read and how many tokens were asked for.</summary>
    private sealed class Reader : IClusterReader
    {
        private readonly ConcurrentDictionary<ObjectKey, Dictionary<string, byte[]>> _secrets = new();
        private int _tokenRequests;

        public ConcurrentQueue<ObjectKey> Reads { get; } = new();

        public int TokenRequests => _tokenRequests;

        public void Put(string ns, string name, params (string Key, string Value)[] data) =>
            _secrets[new ObjectKey(Cluster, ns, name)] = data.ToDictionary(d => d.Key, d => System.Text.Encoding.UTF8.GetBytes(d.Value));

        public Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default)
        {
            Reads.Enqueue(key);
            return Task.FromResult(_secrets.TryGetValue(key, out var data) ? new SecretData { Key = key, Data = new(data) } : null);
        }

        public Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _tokenRequests);
            return Task.FromResult<ServiceAccountToken?>(new ServiceAccountToken("token", DateTimeOffset.UtcNow.Add(lifetime)));
        }
    }
}
