using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class DigitalOceanProviderTests
{
    private const string Token = "dop_v1_test";
    private const string Fqdn = "_acme-challenge.www.example.com.";

    private static DigitalOceanProvider Provider(DigitalOceanFakeApi api, string token = Token) =>
        new(new DigitalOceanSettings { Token = token, BaseUrl = api.BaseUrl }, new HttpClient());

    [Fact]
    public async Task PresentFindsTheDomainAndCreatesARelativeRecord()
    {
        await using var api = await DigitalOceanFakeApi.StartAsync(Token);
        api.AddDomain("example.com");

        await Provider(api).PresentAsync(Fqdn, "value-1");

        var record = Assert.Single(api.Records);
        Assert.Equal(("example.com", "_acme-challenge.www", "value-1", 60), (record.Domain, record.Name, record.Data, record.Ttl));
        Assert.Equal(
            [
                "GET /v2/domains/_acme-challenge.www.example.com", "GET /v2/domains/www.example.com", "GET /v2/domains/example.com",
                "GET /v2/domains/example.com/records?type=TXT&name=_acme-challenge.www.example.com&per_page=200",
                "POST /v2/domains/example.com/records",
            ],
            api.Requests);
    }

    [Fact]
    public async Task TwoValuesCoexistAndCleanUpRemovesOnlyItsOwn()
    {
        await using var api = await DigitalOceanFakeApi.StartAsync(Token);
        api.AddDomain("example.com");
        api.AddRecord("example.com", "_acme-challenge.www", "someone-elses");
        var provider = Provider(api);

        await provider.PresentAsync(Fqdn, "apex");
        await provider.PresentAsync(Fqdn, "wildcard");
        await provider.PresentAsync(Fqdn, "apex");
        Assert.Equal(["apex", "someone-elses", "wildcard"], api.Records.Select(r => r.Data).Order());

        await provider.CleanUpAsync(Fqdn, "apex");
        await provider.CleanUpAsync(Fqdn, "apex");

        Assert.Equal(["someone-elses", "wildcard"], api.Records.Select(r => r.Data).Order());
        Assert.Equal(2, api.Requests.Count(r => r.StartsWith("POST ", StringComparison.Ordinal)));
        Assert.Equal(1, api.Requests.Count(r => r.StartsWith("DELETE ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheApexIsAt()
    {
        await using var api = await DigitalOceanFakeApi.StartAsync(Token);
        api.AddDomain("_acme-challenge.example.com"); // a delegated challenge zone

        await Provider(api).PresentAsync("_acme-challenge.example.com.", "v");

        Assert.Equal("@", Assert.Single(api.Records).Name);
    }

    [Fact]
    public async Task AWrongTokenSaysWhichFieldToFix()
    {
        await using var api = await DigitalOceanFakeApi.StartAsync(Token);
        api.AddDomain("example.com");

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api, "dop_v1_wrong").PresentAsync(Fqdn, "v"));

        Assert.Equal("digitalocean: look up domain _acme-challenge.www.example.com: HTTP 401: unauthorized: Unable to authenticate you (check the API token in digitalocean.tokenSecretRef)", error.Message);
        Assert.Empty(api.Records);
    }

    [Fact]
    public async Task ADomainTheAccountLacksSaysSo()
    {
        await using var api = await DigitalOceanFakeApi.StartAsync(Token);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api).PresentAsync(Fqdn, "v"));

        Assert.StartsWith("digitalocean: no domain of this account contains _acme-challenge.www.example.com", error.Message);
    }

    [Fact]
    public void AnEmptyTokenNamesTheField() =>
        Assert.StartsWith("spec.acme.solvers[].dns01.digitalocean.tokenSecretRef: ",
            Assert.Throws<ArgumentException>(() => new DigitalOceanProvider(new DigitalOceanSettings { Token = " " }, new HttpClient())).Message);
}
