using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// The controller fixture plus Debian's Pebble: Pebble validates HTTP-01 on the silo's solver port (challtestsrv's DNS
/// answers 127.0.0.1 for every name), and the silo's self-check resolves names through the same DNS server.
/// </summary>
public abstract class PebbleControllerFixture : ControllerFixture
{
    /// <summary>The silos' HTTP-01 responder port, which Pebble validates against.</summary>
    public int SolverPort { get; } = Processes.FreePort();

    public PebbleServer Pebble { get; private set; } = null!;

    /// <summary>How this fixture's Pebble behaves; HttpChallengePort must stay the solver port.</summary>
    protected abstract PebbleOptions Options { get; }

    protected override async Task BeforeSiloAsync() => Pebble = await PebbleServer.StartAsync(Options);

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["CertFleet__Http01__SolverPort"] = SolverPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertFleet__Http01__SelfCheckPort"] = SolverPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertFleet__Http01__Nameservers__0"] = $"127.0.0.1:{Pebble.ChallengeServer.DnsPort}",
        // CAA preflight and DNS-01 propagation see the same DNS as Pebble; a list given as one value, as cert-manager's flag takes it
        ["CertFleet__Dns01__RecursiveNameservers"] = $"127.0.0.1:{Pebble.ChallengeServer.DnsPort}",
        // Debian's Pebble 2.4 deadlocks when a new order overlaps another store write under load
        ["CertFleet__Acme__NewOrdersInFlight"] = "1",
    };

    protected override async ValueTask DisposeExtrasAsync()
    {
        if (Pebble is not null)
            await Pebble.DisposeAsync();
    }

    /// <summary>The ACME directory issuers name, and the root their caBundle trusts: Pebble's own unless overridden.</summary>
    protected virtual (Uri Server, string CaPem) AcmeEndpoint => (Pebble.DirectoryUrl, Pebble.ListenerCaPem);

    /// <summary>A ClusterIssuer for this Pebble, shaped like the guide's seed 01 (HTTP-01 through an nginx Ingress).</summary>
    /// <param name="acmeFields">Extra fields under spec.acme, one per line, unindented.</param>
    public string ClusterIssuer(string name, params string[] acmeFields) => $$"""
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata:
          name: {{name}}
        spec:
          acme:
            server: {{AcmeEndpoint.Server}}
            caBundle: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(AcmeEndpoint.CaPem))}}
            privateKeySecretRef:
              name: {{name}}-account-key
            solvers:
              - http01:
                  ingress:
                    class: nginx
        """ + string.Concat(acmeFields.Select(f => "\n    " + f));
}

/// <summary>
/// Pebble as plain as it gets, except one blocked name for the failure path, plus Cloudflare, Google Cloud DNS,
/// DigitalOcean and Akamai API fakes whose TXT records are published through challtestsrv's DNS, where Pebble looks.
/// </summary>
public sealed class AcmeFixture : PebbleControllerFixture
{
    public const string BlockedName = "blocked.example";
    public const string CloudflareToken = "guide-api-token";
    public const string SiloService = "certfleet-http01";

    public const string GoogleProject = "certfleet-e2e";
    public const string DigitalOceanToken = "dop_v1_e2e";
    public static readonly (string ClientToken, string ClientSecret, string AccessToken) AkamaiClient =
        ("akab-client-token-e2e", "akamai-client-secret-e2e=", "akab-access-token-e2e");

    public CloudflareFakeApi Cloudflare { get; private set; } = null!;
    public CloudDnsFakeApi CloudDns { get; private set; } = null!;
    public DigitalOceanFakeApi DigitalOcean { get; private set; } = null!;
    public AkamaiFakeApi Akamai { get; private set; } = null!;

    protected override async Task BeforeSiloAsync()
    {
        await base.BeforeSiloAsync();
        var published = new ChallengeServerTxtRecords(Pebble.ChallengeServer);
        Cloudflare = await CloudflareFakeApi.StartWithTokenAsync(CloudflareToken);
        Cloudflare.RecordsChanged = published.PublishAsync;
        CloudDns = await CloudDnsFakeApi.StartAsync(GoogleProject);
        DigitalOcean = await DigitalOceanFakeApi.StartAsync(DigitalOceanToken);
        Akamai = await AkamaiFakeApi.StartAsync(AkamaiClient.ClientToken, AkamaiClient.ClientSecret, AkamaiClient.AccessToken);
        foreach (var fake in new DnsApiFake[] { CloudDns, DigitalOcean, Akamai })
            fake.RecordsChanged = published.PublishAsync;
    }

    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>(base.SiloSettings)
    {
        ["CertFleet__Dns01__CloudflareApiUrl"] = Cloudflare.BaseUrl,
        ["CertFleet__Dns01__CloudDnsApiUrl"] = CloudDns.BaseUrl,
        ["CertFleet__Dns01__DigitalOceanApiUrl"] = DigitalOcean.BaseUrl,
        ["CertFleet__Dns01__AkamaiEndpoint"] = Akamai.Endpoint,
        // As the chart sets them: solver Services copy the EndpointSlices of the release's http01 Service (which the
        // tests write, as Kubernetes would for the silo pods).
        ["CertFleet__Http01__SiloServiceName"] = SiloService,
        ["CertFleet__Http01__SiloServiceNamespace"] = "cert-manager",
        // The guide's Gateway (seed 05) names no issuer: gateway-shim uses this default for it.
        ["CertFleet__Shims__DefaultIssuerName"] = "letsencrypt-prod",
        ["CertFleet__Shims__DefaultIssuerKind"] = "ClusterIssuer",
    };

    protected override async ValueTask DisposeExtrasAsync()
    {
        await Cloudflare.DisposeAsync(); // throws if the controller made any request outside Cloudflare's documented API
        foreach (var fake in new DnsApiFake?[] { CloudDns, DigitalOcean, Akamai })
            if (fake is not null)
                await fake.DisposeAsync(); // the same for each vendor's API
        await base.DisposeExtrasAsync();
    }

    protected override PebbleOptions Options => new()
    {
        HttpChallengePort = SolverPort,
        AuthorizationReusePercent = 0,
        DomainBlocklist = [BlockedName],
    };
}

/// <summary>Pebble at its most awkward: 30 % of nonces rejected, an alternate root, EAB required, authorizations reused.</summary>
public sealed class HardAcmeFixture : PebbleControllerFixture
{
    public const string EabKeyId = "kid-1";
    public const string EabHmacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

    protected override PebbleOptions Options => new()
    {
        HttpChallengePort = SolverPort,
        NonceRejectPercent = 30,
        AlternateRoots = 1,
        AuthorizationReusePercent = 100,
        ExternalAccountMacKeys = new Dictionary<string, string> { [EabKeyId] = EabHmacKey },
    };
}

/// <summary>Pebble validating DNS-01 against a real BIND that CertFleet updates over RFC 2136 with TSIG.</summary>
public sealed class Rfc2136AcmeFixture : PebbleControllerFixture
{
    public Rfc2136BindServer Bind { get; } = new();

    protected override PebbleOptions Options => new() { HttpChallengePort = SolverPort, DnsServer = Bind.Nameserver };

    protected override async Task BeforeSiloAsync()
    {
        await Bind.InitializeAsync();
        await base.BeforeSiloAsync();
    }

    protected override async ValueTask DisposeExtrasAsync()
    {
        await base.DisposeExtrasAsync();
        await Bind.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class Rfc2136AcmeCollection : ICollectionFixture<Rfc2136AcmeFixture>
{
    public const string Name = "acme-rfc2136";
}

[CollectionDefinition(Name)]
public sealed class AcmeCollection : ICollectionFixture<AcmeFixture>
{
    public const string Name = "acme";
}

[CollectionDefinition(Name)]
public sealed class HardAcmeCollection : ICollectionFixture<HardAcmeFixture>
{
    public const string Name = "acme-hard";
}
