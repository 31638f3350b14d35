using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class AcmeDnsProviderTests
{
    // DNS-01 values are 43 characters of base64url; acme-dns refuses anything else.
    private const string Apex = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
    private const string Wildcard = "MQsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

    private static AcmeDnsProvider Provider(AcmeDnsFakeServer server, string accountJson) => new(new AcmeDnsSettings
    {
        Host = new Uri(server.Root),
        Accounts = AcmeDnsSettings.ParseAccounts(accountJson),
    }, new HttpClient());

    [Fact]
    public async Task PresentUpdatesTheDomainsAccountAndTwoValuesAreKept()
    {
        await using var server = await AcmeDnsFakeServer.StartAsync();
        var account = server.Register();
        var other = server.Register();
        var provider = Provider(server, AcmeDnsFakeServer.AccountJson(("example.com", account), ("other.example", other)));

        await provider.PresentAsync("_acme-challenge.example.com.", Apex);
        await provider.PresentAsync("_acme-challenge.example.com.", Wildcard);

        Assert.Equal([Apex, Wildcard], server.Values(account));
        Assert.Empty(server.Values(other));
        Assert.Equal(["POST /update", "POST /update"], server.Requests);
        Assert.Equal(0, server.Unauthenticated);
    }

    [Fact]
    public async Task AFollowedCnameFindsTheAccountByItsFullDomain()
    {
        await using var server = await AcmeDnsFakeServer.StartAsync();
        var account = server.Register();
        var provider = Provider(server, AcmeDnsFakeServer.AccountJson(("example.com", account)));

        await provider.PresentAsync(account.FullDomain + ".", Apex);

        Assert.Equal([Apex], server.Values(account));
    }

    [Fact]
    public async Task CleanUpSendsNothingAsAcmeDnsHasNoDelete()
    {
        await using var server = await AcmeDnsFakeServer.StartAsync();
        var account = server.Register();
        var provider = Provider(server, AcmeDnsFakeServer.AccountJson(("example.com", account)));

        await provider.CleanUpAsync("_acme-challenge.example.com.", Apex);

        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task ADomainWithoutAnAccountNamesTheSecretField()
    {
        await using var server = await AcmeDnsFakeServer.StartAsync();
        var provider = Provider(server, AcmeDnsFakeServer.AccountJson(("example.com", server.Register())));

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync("_acme-challenge.shop.example.", Apex));

        Assert.Equal("spec.acme.solvers[].dns01.acmeDNS.accountSecretRef: the Secret has no account for \"shop.example\" (it has \"example.com\"); register one with acme-dns and add it under that key", error.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task AWrongPasswordIsForbiddenAndSaysWhere()
    {
        await using var server = await AcmeDnsFakeServer.StartAsync();
        var account = server.Register() with { Password = "not-the-password" };
        var provider = Provider(server, AcmeDnsFakeServer.AccountJson(("example.com", account)));

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => provider.PresentAsync("_acme-challenge.example.com.", Apex));

        Assert.Contains("HTTP 401: forbidden: acme-dns refused the username/password of \"example.com\" in acmeDNS.accountSecretRef", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
        Assert.Equal(1, server.Unauthenticated);
    }

    [Theory]
    [InlineData("not json", "the Secret's value is not JSON")]
    [InlineData("[]", "not a JSON object keyed by domain")]
    [InlineData("{}", "holds no account")]
    [InlineData("""{"example.com": {"username": "u", "password": "p4ss", "fulldomain": "x.auth.example"}}""", "the account of \"example.com\" has no \"subdomain\" string")]
    public void BadAccountJsonNamesTheFieldAndNeverThePassword(string json, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AcmeDnsSettings.ParseAccounts(json));

        Assert.StartsWith("spec.acme.solvers[].dns01.acmeDNS.accountSecretRef: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("p4ss", error.Message);
    }
}
