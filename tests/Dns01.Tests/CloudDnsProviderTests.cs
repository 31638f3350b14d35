using System.Security.Cryptography;
using CertFleet.Providers.Dns01;
using CertFleet.TestSupport;

namespace CertFleet.Dns01.Tests;

public sealed class CloudDnsProviderTests
{
    private const string Project = "my-project";
    private const string Fqdn = "_acme-challenge.www.example.com.";

    private static CloudDnsProvider Provider(CloudDnsFakeApi api, string? zone = null, string? keyJson = null) => new(new CloudDnsSettings
    {
        Project = Project,
        HostedZoneName = zone,
        Credential = CloudDnsCredentials.FromServiceAccountKey(keyJson ?? api.ServiceAccountKeyJson(), "spec.acme.solvers[].dns01.cloudDNS.serviceAccountSecretRef"),
        BaseUrl = api.BaseUrl,
        Timeout = TimeSpan.FromSeconds(25), // the machine's load, not the fake, is what is slow here
    }, new HttpClient());

    [Fact]
    public async Task TheServiceAccountKeyGetsOneTokenAndThePublicZoneIsFound()
    {
        await using var api = await CloudDnsFakeApi.StartAsync(Project);
        api.AddZone("internal-example", "example.com", visibility: "private");
        api.AddZone("public-example", "example.com");
        var provider = Provider(api);

        await provider.PresentAsync(Fqdn, "value-1");
        await provider.CleanUpAsync(Fqdn, "value-1");

        Assert.Equal(1, api.TokensIssued); // cached by the credential across calls
        Assert.Null(api.Rrdatas("public-example", Fqdn));
        Assert.Equal(
            [
                "POST /token",
                $"GET /dns/v1/projects/{Project}/managedZones?dnsName=_acme-challenge.www.example.com.",
                $"GET /dns/v1/projects/{Project}/managedZones?dnsName=www.example.com.",
                $"GET /dns/v1/projects/{Project}/managedZones?dnsName=example.com.",
                $"GET /dns/v1/projects/{Project}/managedZones/public-example/rrsets?name=_acme-challenge.www.example.com.&type=TXT",
                $"POST /dns/v1/projects/{Project}/managedZones/public-example/changes",
            ],
            api.Requests.Take(6));
    }

    [Fact]
    public async Task ValuesShareTheSetAndCleanUpRemovesOnlyItsOwn()
    {
        await using var api = await CloudDnsFakeApi.StartAsync(Project);
        api.AddZone("example", "example.com");
        api.AddTxt("example", Fqdn, "\"someone-elses\"");
        var provider = Provider(api, zone: "example");

        await provider.PresentAsync(Fqdn, "apex");
        await provider.PresentAsync(Fqdn, "wildcard");
        await provider.PresentAsync(Fqdn, "apex");
        Assert.Equal(["\"someone-elses\"", "\"apex\"", "\"wildcard\""], api.Rrdatas("example", Fqdn));

        await provider.CleanUpAsync(Fqdn, "apex");
        await provider.CleanUpAsync(Fqdn, "someone-else-is-not-mine");

        Assert.Equal(["\"someone-elses\"", "\"wildcard\""], api.Rrdatas("example", Fqdn));
        Assert.DoesNotContain(api.Requests, r => r.Contains("managedZones?", StringComparison.Ordinal)); // hostedZoneName given: no lookup
    }

    [Fact]
    public async Task ApexAndWildcardAtOnceBothLandThroughConflicts()
    {
        await using var api = await CloudDnsFakeApi.StartAsync(Project);
        api.AddZone("example", "example.com");
        var provider = Provider(api, zone: "example");

        await Task.WhenAll(provider.PresentAsync(Fqdn, "apex"), provider.PresentAsync(Fqdn, "wildcard"), provider.PresentAsync(Fqdn, "third"));

        Assert.Equal(["\"apex\"", "\"third\"", "\"wildcard\""], api.Rrdatas("example", Fqdn)!.Order());
    }

    [Fact]
    public async Task AKeyThatIsNotTheAccountsGetsGooglesRefusal()
    {
        await using var api = await CloudDnsFakeApi.StartAsync(Project);
        api.AddZone("example", "example.com");
        using var otherKey = RSA.Create(2048);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api, keyJson: api.ServiceAccountKeyJson(otherKey)).PresentAsync(Fqdn, "v"));

        Assert.StartsWith("clouddns: getting an OAuth token for the service account failed", error.Message);
        Assert.Contains("invalid_grant: Invalid JWT Signature.", error.Message);
        Assert.DoesNotContain("PRIVATE KEY", error.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type": "authorized_user", "client_id": "x", "client_secret": "s3cret", "refresh_token": "r"}""")]
    public void WhatIsNotAServiceAccountKeyNamesTheField(string json)
    {
        var error = Assert.Throws<ArgumentException>(() => CloudDnsCredentials.FromServiceAccountKey(json, "spec.acme.solvers[].dns01.cloudDNS.serviceAccountSecretRef"));

        Assert.StartsWith("spec.acme.solvers[].dns01.cloudDNS.serviceAccountSecretRef: the Secret's value is not a Google service account key", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public async Task ANameInNoZoneOfTheProjectSaysSo()
    {
        await using var api = await CloudDnsFakeApi.StartAsync(Project);

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(api).PresentAsync(Fqdn, "v"));

        Assert.Equal($"clouddns: no managed zone of project \"{Project}\" contains _acme-challenge.www.example.com.; create it, or name it in cloudDNS.hostedZoneName", error.Message);
    }
}
