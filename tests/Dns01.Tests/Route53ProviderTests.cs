using CertFleet.Providers.Dns01;

namespace CertFleet.Dns01.Tests;

public sealed class Route53ProviderTests : IAsyncLifetime
{
    private const string ApexValue = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
    private const string WildcardValue = "Q9hA6s2AYBdYcG5wEl9QGyS1sZk0W1oF3iOa7Lz0pUc";

    private Route53FakeServer _fake = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _fake = await Route53FakeServer.StartAsync();
        _fake.AddZone("ZPRIVATE", "example.com.", isPrivate: true);
        _fake.AddZone("ZPUBLIC", "example.com.");
        _fake.AddZone("ZSUB", "sub.example.com.");
        _fake.AddZone("ZOTHER", "other.com.");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private Route53Provider Provider(string? hostedZoneId = null, string? sessionToken = null) => new(new Route53Settings
    {
        Credentials = new AwsCredentials(Route53FakeServer.AccessKeyId, Route53FakeServer.SecretAccessKey, sessionToken),
        HostedZoneId = hostedZoneId,
        Endpoint = _fake.Endpoint,
    }, _http);

    [Fact]
    public async Task DiscoversTheMostSpecificPublicZone()
    {
        var provider = Provider();
        await provider.PresentAsync("_acme-challenge.www.example.com.", ApexValue);
        await provider.PresentAsync("_acme-challenge.a.sub.example.com.", ApexValue);

        Assert.Empty(_fake.Problems);
        Assert.Equal("\"" + ApexValue + "\"", _fake.RecordSets[("ZPUBLIC", "_acme-challenge.www.example.com.", ApexValue)]);
        Assert.True(_fake.RecordSets.ContainsKey(("ZSUB", "_acme-challenge.a.sub.example.com.", ApexValue)));
        Assert.Contains("GET /2013-04-01/hostedzonesbyname?dnsname=example.com.", _fake.Requests);
    }

    [Fact]
    public async Task ConfiguredZoneIdSkipsDiscovery()
    {
        await Provider(hostedZoneId: "/hostedzone/ZOTHER").PresentAsync("_acme-challenge.other.com.", ApexValue);

        Assert.Empty(_fake.Problems);
        Assert.Equal(["POST /2013-04-01/hostedzone/ZOTHER/rrset/"], _fake.Requests);
    }

    [Fact]
    public async Task ApexAndWildcardValuesCoexistAndCleanUpSeparately()
    {
        var provider = Provider(sessionToken: "FwoGZXIvYXdzEXAMPLE/token+=");
        _fake.ExpectedSessionToken = "FwoGZXIvYXdzEXAMPLE/token+=";
        const string name = "_acme-challenge.example.com.";

        await provider.PresentAsync(name, ApexValue);
        await provider.PresentAsync(name, WildcardValue);
        await provider.PresentAsync(name, WildcardValue);
        Assert.Equal(2, _fake.RecordSets.Count);

        await provider.CleanUpAsync(name, ApexValue);
        Assert.Equal("\"" + WildcardValue + "\"", Assert.Single(_fake.RecordSets).Value);

        // Already gone: Route53 answers InvalidChangeBatch "not found", which is success.
        await provider.CleanUpAsync(name, ApexValue);
        Assert.Single(_fake.RecordSets);
        Assert.Empty(_fake.Problems);
    }

    [Fact]
    public async Task ThrottlingIsSurfacedWithZoneAndCode()
    {
        _fake.ThrottleNextChange = true;

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider().PresentAsync("_acme-challenge.example.com.", ApexValue));

        Assert.Contains("Throttling", error.Message);
        Assert.Contains("example.com.", error.Message);
        Assert.Contains("ZPUBLIC", error.Message);
        Assert.Empty(_fake.RecordSets);
    }

    [Fact]
    public async Task UnknownZoneIdIsSurfaced()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(hostedZoneId: "ZMISSING").CleanUpAsync("_acme-challenge.example.com.", ApexValue));
        Assert.Contains("NoSuchHostedZone", error.Message);
    }

    [Fact]
    public async Task NoMatchingPublicZoneIsAnError()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider().PresentAsync("_acme-challenge.example.org.", ApexValue));
        Assert.Contains("no public hosted zone", error.Message);
    }

    [Fact]
    public async Task WrongSecretIsRejectedByTheFakesOwnVerification()
    {
        var provider = new Route53Provider(new Route53Settings
        {
            Credentials = new AwsCredentials(Route53FakeServer.AccessKeyId, "not-the-secret"),
            HostedZoneId = "ZPUBLIC",
            Endpoint = _fake.Endpoint,
        }, _http);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync("_acme-challenge.example.com.", ApexValue));
        Assert.Contains("SignatureDoesNotMatch", error.Message);
    }
}
