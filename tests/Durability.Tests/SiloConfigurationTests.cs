using CertFleet.Grains;
using CertFleet.Grains.RateLimits;
using CertFleet.Kubernetes.Bridge;
using CertFleet.Kubernetes.Bridge.Shims;
using CertFleet.Kubernetes.Bridge.Solving;
using CertFleet.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CertFleet.Durability.Tests;

/// <summary>
/// The CertFleet section as the silo reads it at start (<see cref="SiloSettings"/>): each group bound into the option type
/// that uses it, lists given indexed or as one comma-separated value, and unknown keys or refused values stopping it.
/// </summary>
public sealed class SiloConfigurationTests
{
    [Fact]
    public void EveryDocumentedSetting_IsBoundIntoTheOptionTypeThatUsesIt()
    {
        var (problems, services) = Prepared(
            "CertFleet:ClusterName=prod", "CertFleet:ClusterResourceNamespace=certs", "CertFleet:Kubeconfig=/etc/kube/config",
            "CertFleet:Storage=memory", "CertFleet:Redis:ConnectionString=redis-0:6379", "CertFleet:Redis:TrustedCaFile=/etc/redis/ca.crt",
            "CertFleet:AutoApprove=false", "CertFleet:Shims:DefaultIssuerName=letsencrypt", "CertFleet:Shims:DefaultIssuerKind=ClusterIssuer",
            "CertFleet:Shims:DefaultIssuerGroup=cert-manager.io", "CertFleet:Http:Port=8081", "CertFleet:Metrics:Port=9403",
            "CertFleet:Dashboard:Enabled=true", "CertFleet:Dashboard:Port=8082", "CertFleet:Dashboard:Path=/orleans",
            $"CertFleet:Dashboard:CredentialsFile={DashboardFile("credentials", "platform:password")}", $"CertFleet:Dashboard:BearerTokenFile={DashboardFile("token", "t0ken")}",
            "CertFleet:Http01:SolverPort=8090", "CertFleet:Http01:SolverServiceName=solver", "CertFleet:Http01:Nameservers:0=10.0.0.53:53",
            "CertFleet:Http01:SelfCheckPort=8090", "CertFleet:Http01:SiloServiceName=release-http01", "CertFleet:Http01:SiloServiceNamespace=certfleet", "CertFleet:Dns01:RecursiveNameservers:0=10.0.0.10:53", "CertFleet:Dns01:CaaPreflight=false",
            "CertFleet:Dns01:IssuerAmbientCredentials=true", "CertFleet:Dns01:ClusterIssuerAmbientCredentials=false",
            "CertFleet:Dns01:CloudflareApiUrl=http://127.0.0.1:1/client/v4", "CertFleet:Dns01:Route53Endpoint=http://127.0.0.1:2",
            "CertFleet:Dns01:StsEndpoint=http://127.0.0.1:3", "CertFleet:Dns01:AzureArmEndpoint=http://127.0.0.1:4",
            "CertFleet:Dns01:AzureAuthorityHost=http://127.0.0.1:5", "CertFleet:Dns01:CloudDnsApiUrl=http://127.0.0.1:6",
            "CertFleet:Dns01:DigitalOceanApiUrl=http://127.0.0.1:7", "CertFleet:Dns01:AkamaiEndpoint=http://127.0.0.1:8", "CertFleet:Renewal:JitterPercent=2",
            "CertFleet:Renewal:AriMinimumRecheck=00:00:02", "CertFleet:Acme:NewOrdersInFlight=1", "CertFleet:CertificateRequestMinimumBackoffDuration=5m",
            "CertFleet:CertificateRequestMaximumBackoffDuration=8h", "CertFleet:RateLimits:PublicSuffixListPath=/usr/share/publicsuffix/public_suffix_list.dat",
            "CertFleet:RateLimits:Servers:0:Server=pebble:14000", "CertFleet:RateLimits:Servers:0:OrdersPerAccount:Capacity=5",
            "CertFleet:RateLimits:Servers:0:OrdersPerAccount:Period=01:00:00", "CertFleet:Orleans:SiloPort=11112", "CertFleet:Orleans:GatewayPort=30001",
            "CertFleet:Orleans:ClusterId=fleet", "CertFleet:Orleans:ServiceId=fleet", "CertFleet:LeaseNamespace=leases");
        Assert.Empty(problems);

        var silo = services.GetRequiredService<IOptions<CertFleetOptions>>().Value;
        Assert.Equal(("prod", 8081, 9403, 8090, 8090, "/orleans", 11112), (silo.ClusterName, silo.Http.Port, silo.Metrics.Port, silo.Http01.SolverPort,
            silo.Http01.SelfCheckPort, silo.Dashboard.Path, silo.Orleans.SiloPort));
        Assert.Equal(["10.0.0.53:53"], silo.Http01.Nameservers);
        Assert.Equal((8082, "credentials", "token"), (silo.Dashboard.Port, Path.GetFileName(silo.Dashboard.CredentialsFile), Path.GetFileName(silo.Dashboard.BearerTokenFile)));

        var issuance = services.GetRequiredService<IOptions<IssuanceOptions>>().Value;
        Assert.Equal(("certs", false, "solver", 8090, false, true, false), (issuance.ClusterResourceNamespace, issuance.AutoApprove,
            issuance.Http01SolverServiceName, issuance.Http01SolverPort, issuance.CaaPreflight, issuance.IssuerAmbientCredentials,
            issuance.ClusterIssuerAmbientCredentials));
        Assert.Equal(["10.0.0.10:53"], issuance.Dns01RecursiveNameservers);
        Assert.Equal(("http://127.0.0.1:1/client/v4", "http://127.0.0.1:2", "http://127.0.0.1:3", "http://127.0.0.1:4", "http://127.0.0.1:5"),
            (issuance.CloudflareApiUrl, issuance.Route53Endpoint, issuance.StsEndpoint, issuance.AzureArmEndpoint, issuance.AzureAuthorityHost));
        Assert.Equal(("http://127.0.0.1:6", "http://127.0.0.1:7", "http://127.0.0.1:8"),
            (issuance.CloudDnsApiUrl, issuance.DigitalOceanApiUrl, issuance.AkamaiEndpoint));
        Assert.Equal((2.0, TimeSpan.FromSeconds(2), 1), (issuance.RenewalJitterPercent, issuance.AriMinimumRecheck, issuance.AcmeNewOrdersInFlight));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromHours(8)), (issuance.FailureBackoff.Minimum, issuance.FailureBackoff.Maximum));

        var bridge = services.GetRequiredService<IOptions<BridgeOptions>>().Value;
        // LeaseNamespace is no README row, but the leader election's error message names it: it is read now.
        Assert.Equal(("prod", "certs", "/etc/kube/config", "leases"),
            (bridge.ClusterName, bridge.ClusterResourceNamespace, bridge.Kubeconfig, bridge.EffectiveLeaseNamespace));

        var solver = services.GetRequiredService<IOptions<SolverServiceOptions>>().Value;
        Assert.Equal(("solver", 8090, "release-http01", "certfleet", true),
            (solver.ServiceName, solver.Port, solver.SiloServiceName, solver.SiloServiceNamespace, solver.KeepsServices));

        var shims = services.GetRequiredService<IOptions<ShimOptions>>().Value;
        Assert.Equal(("letsencrypt", "ClusterIssuer"), (shims.DefaultIssuerName, shims.DefaultIssuerKind));

        var server = Assert.Single(services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Servers);
        Assert.Equal(("pebble:14000", 5, TimeSpan.FromHours(1)), (server.Server, server.OrdersPerAccount!.Capacity, server.OrdersPerAccount.Period));
    }

    private static string DashboardFile(string name, string content)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("certfleet-dashboard-").FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void NoSettingsAtAll_AreFine()
    {
        var (problems, services) = Prepared();
        Assert.Empty(problems);
        Assert.Equal("local", services.GetRequiredService<IOptions<BridgeOptions>>().Value.ClusterName);
    }

    [Fact]
    public void KeysAreKnownWhateverTheirCase() =>
        Assert.Empty(Prepared("certfleet:dns01:recursivenameservers:0=10.0.0.10:53", "CERTFLEET:RENEWAL:JITTERPERCENT=1").Problems);

    [Theory]
    [InlineData("CertFleet:Dns01:RecursiveNameservers=10.0.0.10:53,10.0.0.11:53")]
    [InlineData("CertFleet:Dns01:RecursiveNameservers= 10.0.0.10:53 , 10.0.0.11:53 ,")]
    [InlineData("CertFleet:Dns01:RecursiveNameservers:0=10.0.0.10:53", "CertFleet:Dns01:RecursiveNameservers:1=10.0.0.11:53")]
    public void AListSetting_IsReadFromIndexedKeysOrFromOneCommaSeparatedValue(params string[] settings)
    {
        var (problems, services) = Prepared(settings);
        Assert.Empty(problems);
        Assert.Equal(["10.0.0.10:53", "10.0.0.11:53"], services.GetRequiredService<IOptions<IssuanceOptions>>().Value.Dns01RecursiveNameservers);
    }

    [Fact]
    public void TheApproversSignerNames_AreOneCommaSeparatedList_AndUnsetMeansCertManagersDefault()
    {
        var (problems, services) = Prepared("CertFleet:Approver:SignerNames=issuers.cert-manager.io/*,stepissuers.certmanager.step.sm/*");
        Assert.Empty(problems);
        Assert.Equal(["issuers.cert-manager.io/*", "stepissuers.certmanager.step.sm/*"], services.GetRequiredService<IOptions<IssuanceOptions>>().Value.ApprovedSigners());
        Assert.Equal(["issuers.cert-manager.io/*", "clusterissuers.cert-manager.io/*"], Prepared().Services.GetRequiredService<IOptions<IssuanceOptions>>().Value.ApprovedSigners());
    }

    [Fact]
    public void EveryListSetting_TakesOneValue()
    {
        var (problems, services) = Prepared("CertFleet:Http01:Nameservers=10.0.0.53:53", "CertFleet:Dns01:RecursiveNameservers=10.0.0.10:53");
        Assert.Empty(problems);
        Assert.Equal(["10.0.0.53:53"], services.GetRequiredService<IOptions<CertFleetOptions>>().Value.Http01.SelfCheckOptions().Nameservers);
        Assert.Equal(["10.0.0.10:53"], services.GetRequiredService<IOptions<IssuanceOptions>>().Value.Dns01RecursiveNameservers);
    }

    [Fact]
    public void AListGivenBothAsOneValueAndIndexed_IsRefused() =>
        Assert.Equal(["CertFleet:Http01:Nameservers is given both as one value and as indexed keys (CertFleet:Http01:Nameservers:0, …); give one or the other"],
            Prepared("CertFleet:Http01:Nameservers=10.0.0.53:53", "CertFleet:Http01:Nameservers:0=10.0.0.54:53").Problems);

    [Theory]
    [InlineData("CertFleet:Dns01:RecursiveNameserver", "CertFleet:Dns01:RecursiveNameservers")]
    [InlineData("CertFleet:Renewl:JitterPercent", "CertFleet:Renewal:JitterPercent")]
    [InlineData("CertFleet:Dns01:RecursiveNameserver:1", "CertFleet:Dns01:RecursiveNameservers:1")]
    [InlineData("CertFleet:Http01:Nameservers:first", "CertFleet:Http01:Nameservers:0")]
    [InlineData("CertFleet:Http:Port:Number", "CertFleet:Http:Port")]
    [InlineData("CertFleet:RateLimits:Servers:0:OrdersPerAcount:Capacity", "CertFleet:RateLimits:Servers:0:OrdersPerAccount:Capacity")]
    [InlineData("CertFleet:LeaseNme", "CertFleet:LeaseName")]
    [InlineData("CertFleet:Shims:DefaultIssuer", "CertFleet:Shims:DefaultIssuerName")]
    public void AnUnknownKeyAtAnyDepth_IsRefusedNamingTheNearestKnownOne(string key, string nearest)
    {
        // The server entry is complete, so that only the typo is wrong.
        var (problems, _) = Prepared($"{key}=1", "CertFleet:RateLimits:Servers:0:Server=pebble:14000");
        Assert.Equal([$"{key} is not a known setting; did you mean {nearest}?"], problems);
    }

    public static TheoryData<string[], string> RefusedValues => new()
    {
        // The silo's own settings (CertFleetOptions).
        { ["CertFleet:Metrics:Port=70000"], "CertFleet:Metrics:Port must be a TCP port between 1 and 65535 (got 70000)" },
        { ["CertFleet:Http01:Nameservers=10.0.0.53:53,dns.example"], "CertFleet:Http01:Nameservers entries must be ip:port, e.g. 10.96.0.10:53 (got \"dns.example\")" },
        // The grains' (IssuanceOptions).
        { ["CertFleet:Renewal:JitterPercent=60"], "CertFleet:Renewal:JitterPercent must be between 0 and 50 (percent of the certificate's lifetime; got 60)" },
        { ["CertFleet:Dns01:RecursiveNameservers=10.0.0.10:53,dns.example"],
            "CertFleet:Dns01:RecursiveNameservers: \"dns.example\" is not an IP address with an optional port, e.g. 10.96.0.10:53" },
        { ["CertFleet:Dns01:CloudflareApiUrl=cloudflare"], "CertFleet:Dns01:CloudflareApiUrl: \"cloudflare\" is not an absolute URL" },
        { ["CertFleet:Acme:NewOrdersInFlight=0"], "CertFleet:Acme:NewOrdersInFlight must be between 1 and 1000 (got 0)" },
        { ["CertFleet:Approver:SignerNames=issuers.cert-manager.io/*,stepissuers.certmanager.step.sm/default.step"],
            "CertFleet:Approver:SignerNames: \"stepissuers.certmanager.step.sm/default.step\" must be <resource>.<group>/* (all issuers of one kind), e.g. stepissuers.certmanager.step.sm/*" },
        { ["CertFleet:Http01:SolverServiceName=Solver"],
            "CertFleet:Http01:SolverServiceName must be a Service name (lower-case letters, digits and '-', at most 63) (got \"Solver\")" },
        { ["CertFleet:Http01:SiloServiceName=Release_http01", "CertFleet:Http01:SiloServiceNamespace=certfleet"],
            "CertFleet:Http01:SiloServiceName must be a Service name (lower-case letters, digits and '-', at most 63) (got \"Release_http01\")" },
        { ["CertFleet:Http01:SiloServiceName=release-http01", "CertFleet:Http01:SiloServiceNamespace="],
            "CertFleet:Http01:SiloServiceNamespace must be set with CertFleet:Http01:SiloServiceName: the namespace of that Service (in a pod, POD_NAMESPACE when unset)" },
        { ["CertFleet:ClusterResourceNamespace= "], "CertFleet:ClusterResourceNamespace must name a namespace, e.g. cert-manager" },
        { ["CertFleet:Vault:ServiceAccountTokenFile= "], "CertFleet:Vault:ServiceAccountTokenFile must name a file, e.g. /var/run/secrets/kubernetes.io/serviceaccount/token" },
        { ["CertFleet:Fleet:Http01Endpoint=127.0.0.1:8089"],
            "CertFleet:Fleet:Http01Endpoint must be host:port (a routable IPv4 address, [IPv6] address or DNS name, and a port; not loopback or link-local), e.g. 203.0.113.10:8089 (got \"127.0.0.1:8089\")" },
        { ["CertFleet:Certificates:PassesInFlight=0"], "CertFleet:Certificates:PassesInFlight must be between 1 and 10000 (got 0)" },
        { ["CertFleet:CaKeyPairCacheTime=02:00:00"], "CertFleet:CaKeyPairCacheTime must be a time span from 00:00:00 to 01:00:00, e.g. 00:00:30 (got 02:00:00)" },
        // Rate limits.
        { ["CertFleet:RateLimits:Servers:0:Server="],
            "CertFleet:RateLimits:Servers:0:Server must name an ACME server: its directory URL (https://host/directory) or host[:port] (got \"\")" },
        // The bridge's and the shims' own checks.
        { ["CertFleet:LeaseName="], "CertFleet:LeaseName must be set" },
        { ["CertFleet:Shims:DefaultIssuerName=letsencrypt", "CertFleet:Shims:DefaultIssuerKind="],
            "CertFleet:Shims:DefaultIssuerKind and DefaultIssuerGroup must not be empty when DefaultIssuerName is set (e.g. ClusterIssuer and cert-manager.io)" },
        // Checked by the silo and by the bridge: the silo's message, once.
        { ["CertFleet:ClusterName=a/b"], "CertFleet:ClusterName must be a non-empty name without '/' (got \"a/b\")" },
        // A value the binder cannot convert.
        { ["CertFleet:Http:Port=http"], "Failed to convert configuration value 'http' at 'CertFleet:Http:Port' to type 'System.Int32'." },
    };

    [Theory]
    [MemberData(nameof(RefusedValues))]
    public void EachGroupsValidation_RefusesAValueNamingTheKey(string[] settings, string message) =>
        Assert.Equal([message], Prepared(settings).Problems);

    [Fact]
    public void AMissingPublicSuffixList_IsRefusedNamingTheKey() =>
        Assert.StartsWith("CertFleet:RateLimits:PublicSuffixListPath: Public Suffix List not found at \"/nonexistent/public_suffix_list.dat\"",
            Assert.Single(Prepared("CertFleet:RateLimits:PublicSuffixListPath=/nonexistent/public_suffix_list.dat").Problems), StringComparison.Ordinal);

    [Fact]
    public void EveryProblem_IsReportedAtOnce() =>
        Assert.Equal(
            [
                "CertFleet:Renewl:JitterPercent is not a known setting; did you mean CertFleet:Renewal:JitterPercent?",
                "CertFleet:Metrics:Port must be a TCP port between 1 and 65535 (got 0)",
                "CertFleet:Acme:NewOrdersInFlight must be between 1 and 1000 (got 0)",
            ],
            Prepared("CertFleet:Renewl:JitterPercent=2", "CertFleet:Metrics:Port=0", "CertFleet:Acme:NewOrdersInFlight=0").Problems);

    /// <summary>The problems <see cref="SiloSettings.Prepare"/> finds in "key=value" settings, and the options the silo would bind from them.</summary>
    private static (IReadOnlyList<string> Problems, ServiceProvider Services) Prepared(params string[] settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings.Select(setting => setting.Split('=', 2)).Select(pair => KeyValuePair.Create(pair[0], (string?)pair[1])));
        var problems = SiloSettings.Prepare(configuration);
        return (problems, new ServiceCollection().AddSiloSettings(configuration).BuildServiceProvider());
    }
}
