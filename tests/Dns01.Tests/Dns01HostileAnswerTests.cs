using System.Net.Security;
using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;
using Xunit.Abstractions;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// Cloudflare, Route53 and Azure DNS clients against a provider API that answers like a hostile server, over the
/// transport the silo gives them (no redirects, no decompression): each refusal is a <see cref="Dns01ProviderException"/>
/// naming the limit, and memory stays bounded. Alone in its collection, so the process-wide allocation count is its own.
/// </summary>
[Collection(HostileDns01Collection.Name)]
public sealed class Dns01HostileAnswerTests(ITestOutputHelper output)
{
    private const string Fqdn = "_acme-challenge.www.example.com.";
    private const long MemoryBound = 50L * 1024 * 1024;

    public static TheoryData<string, HostileAnswer> ProvidersAndLargeAnswers() => new()
    {
        { "cloudflare", HostileAnswer.GzipBomb },
        { "cloudflare", HostileAnswer.HugeBody },
        { "route53", HostileAnswer.GzipBomb },
        { "route53", HostileAnswer.HugeBody },
        { "azure", HostileAnswer.GzipBomb },
        { "azure", HostileAnswer.HugeBody },
        { "digitalocean", HostileAnswer.GzipBomb },
        { "clouddns", HostileAnswer.HugeBody },
        { "acme-dns", HostileAnswer.GzipBomb },
        { "akamai", HostileAnswer.HugeBody },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndLargeAnswers))]
    public async Task An_answer_past_1_MiB_fails_naming_the_limit_and_memory_stays_bounded(string provider, HostileAnswer answer)
    {
        using var certificate = LoopbackCertificate.Create();
        await using var server = await HostileHttpServer.StartAsync(everything: answer, httpsCertificate: provider == "azure" ? certificate : null);
        using var handler = SiloHandler(certificate);

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(provider, server, handler, TimeSpan.FromSeconds(10)).PresentAsync(Fqdn, "v"));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var answerOf = provider switch { "cloudflare" => "Cloudflare's answer", "route53" => "Route53's answer", "azure" => "Azure DNS's answer", _ => $"{provider}'s answer" };
        Assert.EndsWith($"{answerOf} exceeded 1 MiB", error.Message);
        Assert.StartsWith(provider == "azure" ? "azure dns: present TXT _acme-challenge.www in zone example.com: " : provider + ": ", error.Message);
        output.WriteLine($"{provider} {answer}: {allocated / 1024.0 / 1024:0.0} MiB allocated while refusing it; \"{error.Message}\"");
        Assert.InRange(allocated, 0, MemoryBound);
    }

    [Theory]
    [InlineData("cloudflare")]
    [InlineData("route53")]
    [InlineData("azure")]
    [InlineData("digitalocean")]
    [InlineData("clouddns")]
    [InlineData("acme-dns")]
    [InlineData("akamai")]
    public async Task A_trickling_answer_ends_at_the_providers_timeout(string provider)
    {
        using var certificate = LoopbackCertificate.Create();
        await using var server = await HostileHttpServer.StartAsync(everything: HostileAnswer.Trickle, httpsCertificate: provider == "azure" ? certificate : null);
        using var handler = SiloHandler(certificate);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(provider, server, handler, TimeSpan.FromSeconds(2)).PresentAsync(Fqdn, "v"));

        Assert.Contains("no answer within 2 s", error.Message);
        output.WriteLine($"{provider}: trickle ended after {clock.Elapsed.TotalSeconds:0.0} s: \"{error.Message}\"");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("cloudflare")]
    [InlineData("route53")]
    [InlineData("azure")]
    [InlineData("digitalocean")]
    [InlineData("clouddns")]
    [InlineData("acme-dns")]
    [InlineData("akamai")]
    public async Task A_redirect_to_another_host_is_not_followed(string provider)
    {
        using var certificate = LoopbackCertificate.Create();
        await using var server = await HostileHttpServer.StartAsync(everything: HostileAnswer.RedirectElsewhere, httpsCertificate: provider == "azure" ? certificate : null);
        using var handler = SiloHandler(certificate);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(provider, server, handler, TimeSpan.FromSeconds(10)).PresentAsync(Fqdn, "v"));

        output.WriteLine($"{provider}: \"{error.Message}\"");
        Assert.Contains($"was a redirect (HTTP 302) to http://{HostileHttpServer.ElsewhereHost}/", error.Message);
        Assert.EndsWith(", which CertFleet does not follow", error.Message);
        Assert.Equal(1, server.RequestsFor(HostileAnswer.RedirectElsewhere));
    }

    [Fact]
    public async Task A_long_provider_error_is_cut_before_it_reaches_a_status()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync("token");
        api.AddZone("example.com");
        api.FailNextCreates(1, 400, 1004, new string('e', 100_000));
        using var provider = new CloudflareProvider(new CloudflareSettings { ApiToken = "token", BaseUrl = api.BaseUrl });

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync(Fqdn, "v"));

        Assert.StartsWith("cloudflare: create TXT \"v\" at _acme-challenge.www.example.com failed: HTTP 400: 1004: eee", error.Message);
        Assert.EndsWith("… (cut at 1,024 of 100,006 characters)", error.Message);
        Assert.InRange(error.Message.Length, 1024, 1200);
    }

    /// <summary>The transport Dns01Providers builds for the silo, trusting the fake's certificate.</summary>
    private static SocketsHttpHandler SiloHandler(System.Security.Cryptography.X509Certificates.X509Certificate2 trusted) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == trusted.GetCertHashString() },
    };

    private static IDns01Provider Provider(string provider, HostileHttpServer server, SocketsHttpHandler handler, TimeSpan timeout) => provider switch
    {
        "cloudflare" => new CloudflareProvider(new CloudflareSettings { ApiToken = "token", BaseUrl = server.BaseUrl.AbsoluteUri, Timeout = timeout }, handler),
        "route53" => new Route53Provider(new Route53Settings
        {
            Credentials = new AwsCredentials("AKIDEXAMPLE", "secret"),
            HostedZoneId = "Z1",
            Endpoint = server.BaseUrl,
            Timeout = timeout,
        }, new HttpClient(handler, disposeHandler: false)),
        "digitalocean" => new DigitalOceanProvider(new DigitalOceanSettings { Token = "token", BaseUrl = server.BaseUrl.AbsoluteUri, Timeout = timeout },
            new HttpClient(handler, disposeHandler: false)),
        "clouddns" => new CloudDnsProvider(new CloudDnsSettings
        {
            Project = "p", HostedZoneName = "z", Credential = Google.Apis.Auth.OAuth2.GoogleCredential.FromAccessToken("token"),
            BaseUrl = server.BaseUrl.AbsoluteUri, Timeout = timeout,
        }, new HttpClient(handler, disposeHandler: false)),
        "acme-dns" => new AcmeDnsProvider(new AcmeDnsSettings
        {
            Host = server.BaseUrl, Timeout = timeout,
            Accounts = new Dictionary<string, AcmeDnsAccount> { ["www.example.com"] = new("u", "p", "s", "s.auth.example") },
        }, new HttpClient(handler, disposeHandler: false)),
        "akamai" => new AkamaiProvider(new AkamaiSettings
        {
            ServiceConsumerDomain = "akab.luna.akamaiapis.net", Credentials = new AkamaiCredentials("ct", "cs", "at"), Endpoint = server.BaseUrl, Timeout = timeout,
        }, new HttpClient(handler, disposeHandler: false)),
        _ => new AzureDnsProvider(new AzureDnsSettings
        {
            SubscriptionId = "sub",
            ResourceGroupName = "rg",
            HostedZoneName = "example.com",
            Credential = new AzureFixedTokenCredential(),
            ArmEndpoint = server.BaseUrl,
            Timeout = timeout,
        }, new HttpClient(handler, disposeHandler: false)),
    };
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileDns01Collection
{
    public const string Name = "hostile-dns01";
}
