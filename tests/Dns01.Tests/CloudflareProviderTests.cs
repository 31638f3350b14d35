using CertFleet.Providers.Dns01;

using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class CloudflareProviderTests
{
    private const string Token = "cf-token-123";
    private const string Fqdn = "_acme-challenge.a.b.example.com.";
    private const string RecordName = "_acme-challenge.a.b.example.com";

    private static CloudflareProvider TokenProvider(CloudflareFakeApi api, string token = Token) =>
        new(new CloudflareSettings { ApiToken = token, BaseUrl = api.BaseUrl });

    [Fact]
    public async Task Present_FindsTheZoneByTrimmingLabelsAndCreatesTheRecord()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        var zoneId = api.AddZone("example.com");
        using var provider = TokenProvider(api);

        await provider.PresentAsync(Fqdn, "value-1");

        var record = Assert.Single(api.Records);
        Assert.Equal((zoneId, RecordName, "value-1", 60), (record.ZoneId, record.Name, record.Content, record.Ttl));
        Assert.Equal(
            [
                "GET /client/v4/zones?name=_acme-challenge.a.b.example.com",
                "GET /client/v4/zones?name=a.b.example.com",
                "GET /client/v4/zones?name=b.example.com",
                "GET /client/v4/zones?name=example.com",
                $"GET /client/v4/zones/{zoneId}/dns_records?type=TXT&name=_acme-challenge.a.b.example.com&per_page=100",
                $"POST /client/v4/zones/{zoneId}/dns_records",
            ],
            api.Requests);
    }

    [Fact]
    public async Task TwoValuesOnOneName_PresentIsIdempotent_CleanUpRemovesOnlyItsValue()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        api.AddZone("example.com");
        using var provider = TokenProvider(api);

        await provider.PresentAsync(Fqdn, "apex");
        await provider.PresentAsync(Fqdn, "wildcard");
        await provider.PresentAsync(Fqdn, "apex");
        Assert.Equal(["apex", "wildcard"], api.Records.Select(record => record.Content).Order());

        await provider.CleanUpAsync(Fqdn, "apex");
        await provider.CleanUpAsync(Fqdn, "apex");

        Assert.Equal(["wildcard"], api.Records.Select(record => record.Content));
        Assert.Equal(2, api.Requests.Count(request => request.StartsWith("POST ", StringComparison.Ordinal)));
        Assert.Equal(1, api.Requests.Count(request => request.StartsWith("DELETE ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task QuotedContent_MatchesTheUnquotedValue()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        api.AddZone("example.com");
        api.AddRecord("example.com", RecordName, "\"quoted-value\"");
        using var provider = TokenProvider(api);

        await provider.PresentAsync(Fqdn, "quoted-value");
        Assert.Single(api.Records);

        await provider.CleanUpAsync(Fqdn, "quoted-value");
        Assert.Empty(api.Records);
    }

    [Fact]
    public async Task EmailAndGlobalKey_AreSentAsXAuthHeaders()
    {
        await using var api = await CloudflareFakeApi.StartWithGlobalKeyAsync("admin@example.com", "global-key");
        api.AddZone("example.com");
        using var provider = new CloudflareProvider(new CloudflareSettings
        {
            Email = "admin@example.com",
            ApiKey = "global-key",
            BaseUrl = api.BaseUrl,
        });

        await provider.PresentAsync(Fqdn, "keyed");
        await provider.CleanUpAsync(Fqdn, "keyed");

        Assert.Empty(api.Records);
    }

    [Fact]
    public async Task WrongToken_SurfacesCloudflaresError()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        api.AddZone("example.com");
        using var provider = TokenProvider(api, "wrong-token");

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync(Fqdn, "v"));

        Assert.Contains("HTTP 403", error.Message);
        Assert.Contains("10000: Authentication error", error.Message);
    }

    [Fact]
    public async Task NoZone_SaysSo()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        api.AddZone("example.org");
        using var provider = TokenProvider(api);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync(Fqdn, "v"));

        Assert.Contains($"no zone in this account contains {RecordName}", error.Message);
        // Single labels are never zones: the search stops at example.com.
        Assert.Equal(4, api.Requests.Count);
    }

    [Fact]
    public async Task InjectedHandler_CarriesTheCalls()
    {
        await using var api = await CloudflareFakeApi.StartWithTokenAsync(Token);
        api.AddZone("example.com");
        var handler = new CountingHandler();
        using var provider = new CloudflareProvider(new CloudflareSettings { ApiToken = Token, BaseUrl = api.BaseUrl }, handler);

        await provider.PresentAsync(Fqdn, "through-handler");

        Assert.Equal(api.Requests.Count, handler.Sent);
    }

    [Fact]
    public async Task UnansweredApi_TimesOut()
    {
        var handler = new HangingHandler();
        using var provider = new CloudflareProvider(
            new CloudflareSettings { ApiToken = Token, Timeout = TimeSpan.FromMilliseconds(200) }, handler);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync(Fqdn, "v"));

        Assert.Contains("no answer within", error.Message);
    }

    [Theory]
    [InlineData("t", null, "k")]
    [InlineData(null, null, null)]
    [InlineData(null, null, "k")]
    public void Credentials_MustBeATokenOrEmailAndKey(string? token, string? email, string? key)
    {
        var error = Assert.Throws<ArgumentException>(
            () => new CloudflareProvider(new CloudflareSettings { ApiToken = token, Email = email, ApiKey = key }));

        Assert.Contains("spec.acme.solvers[].dns01.cloudflare", error.Message);
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Sent;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
