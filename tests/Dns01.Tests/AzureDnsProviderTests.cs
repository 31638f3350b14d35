using System.Net;
using CertFleet.Providers.Dns01;

namespace CertFleet.Dns01.Tests;

public sealed class AzureDnsProviderTests : IAsyncLifetime
{
    private const string ApexValue = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
    private const string WildcardValue = "Q9hA6s2AYBdYcG5wEl9QGyS1sZk0W1oF3iOa7Lz0pUc";
    private const string Name = "_acme-challenge.example.com.";

    private AzureArmFakeServer _fake = null!;
    private HttpClient _http = null!;
    private readonly AzureFixedTokenCredential _credential = new();

    public async Task InitializeAsync()
    {
        _fake = await AzureArmFakeServer.StartAsync();
        _http = _fake.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private AzureDnsProvider Provider(AzureDnsZoneType zoneType = AzureDnsZoneType.AzurePublicZone) => new(new AzureDnsSettings
    {
        SubscriptionId = AzureArmFakeServer.Subscription,
        ResourceGroupName = AzureArmFakeServer.ResourceGroup,
        HostedZoneName = "example.com",
        ZoneType = zoneType,
        Credential = _credential,
        ArmEndpoint = _fake.Endpoint,
    }, _http);

    [Fact]
    public async Task TwoValuesOnOneNameAndCleanUpLeavesTheOther()
    {
        var provider = Provider();
        await provider.PresentAsync(Name, ApexValue);
        await provider.PresentAsync(Name, WildcardValue);
        await provider.PresentAsync(Name, WildcardValue);

        Assert.Equal([ApexValue, WildcardValue], _fake.RecordSets["dnsZones/example.com/_acme-challenge"].Values);
        Assert.Equal(60, _fake.LastWrittenBody!["properties"]!["TTL"]!.GetValue<int>());
        Assert.Equal(["https://management.azure.com/.default"], _credential.RequestedScopes);

        await provider.CleanUpAsync(Name, ApexValue);
        Assert.Equal([WildcardValue], _fake.RecordSets["dnsZones/example.com/_acme-challenge"].Values);

        await provider.CleanUpAsync(Name, WildcardValue);
        await provider.CleanUpAsync(Name, WildcardValue);
        Assert.Empty(_fake.RecordSets);
        Assert.Contains(_fake.Requests, r => r.StartsWith("DELETE ", StringComparison.Ordinal) && !r.Contains("If-Match= "));
        Assert.Empty(_fake.Problems);
    }

    [Fact]
    public async Task FirstWriteIsIfNoneMatchAndLaterOnesIfMatch()
    {
        var provider = Provider();
        await provider.PresentAsync(Name, ApexValue);
        await provider.PresentAsync(Name, WildcardValue);

        var writes = _fake.Requests.Where(r => r.StartsWith("PUT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, writes.Count);
        Assert.EndsWith("If-Match= If-None-Match=*", writes[0]);
        Assert.DoesNotContain("If-Match= ", writes[1]);
        Assert.Contains("/providers/Microsoft.Network/dnsZones/example.com/TXT/_acme-challenge?api-version=2018-05-01", writes[0]);
    }

    [Fact]
    public async Task EtagConflictIsRetriedWithoutLosingTheOtherWritersValue()
    {
        var provider = Provider();
        await provider.PresentAsync(Name, ApexValue);
        _fake.ConcurrentWriterValue = "written-by-someone-else";

        await provider.PresentAsync(Name, WildcardValue);

        Assert.Equal([ApexValue, "written-by-someone-else", WildcardValue], _fake.RecordSets["dnsZones/example.com/_acme-challenge"].Values);
        Assert.Equal(3, _fake.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal)));
        Assert.Empty(_fake.Problems);
    }

    [Fact]
    public async Task PrivateZoneUsesItsOwnPathApiVersionAndCamelCase()
    {
        await Provider(AzureDnsZoneType.AzurePrivateZone).PresentAsync(Name, ApexValue);

        Assert.Empty(_fake.Problems);
        Assert.Equal([ApexValue], _fake.RecordSets["privateDnsZones/example.com/_acme-challenge"].Values);
        var properties = _fake.LastWrittenBody!["properties"]!.AsObject();
        Assert.Equal(["ttl", "txtRecords"], properties.Select(p => p.Key));
        Assert.Contains(_fake.Requests, r => r.Contains("/privateDnsZones/example.com/TXT/_acme-challenge?api-version=2020-06-01"));
    }

    [Fact]
    public async Task ApexIsTheAtName()
    {
        await Provider().PresentAsync("example.com.", ApexValue);
        Assert.True(_fake.RecordSets.ContainsKey("dnsZones/example.com/@"));
    }

    [Fact]
    public async Task ArmErrorIsSurfacedWithCodeAndMessage()
    {
        _fake.FailNext = (HttpStatusCode.Forbidden, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Network/dnszones/TXT/read'.");

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider().PresentAsync(Name, ApexValue));

        Assert.Contains("AuthorizationFailed", error.Message);
        Assert.Contains("does not have authorization", error.Message);
        Assert.Contains("example.com", error.Message);
        Assert.Contains("403", error.Message);
    }

    [Fact]
    public void ClientSecretFieldsBuildAClientSecretCredential()
    {
        Assert.IsType<Azure.Identity.ClientSecretCredential>(AzureDnsCredentials.Create(new AzureDnsIdentity
        {
            ClientId = "client", ClientSecret = "secret", TenantId = "tenant", Environment = AzureDnsEnvironment.AzureChinaCloud,
        }));
        Assert.Throws<ArgumentException>(() => AzureDnsCredentials.Create(new AzureDnsIdentity { ClientId = "client", ClientSecret = "secret" }));
    }

    [Fact]
    public async Task NameOutsideTheZoneIsRejected()
    {
        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider().PresentAsync("_acme-challenge.example.org.", ApexValue));
        Assert.Contains("not in zone", error.Message);
    }

    [Theory]
    [InlineData(AzureDnsEnvironment.AzurePublicCloud, "https://management.azure.com/", "https://login.microsoftonline.com/")]
    [InlineData(AzureDnsEnvironment.AzureChinaCloud, "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/")]
    [InlineData(AzureDnsEnvironment.AzureUSGovernmentCloud, "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us/")]
    public async Task EnvironmentPicksTheCloudsResourceManagerScopeAndAuthority(AzureDnsEnvironment environment, string arm, string authority)
    {
        var cloud = AzureDnsCredentials.Cloud(environment);
        await new AzureDnsProvider(new AzureDnsSettings
        {
            SubscriptionId = AzureArmFakeServer.Subscription,
            ResourceGroupName = AzureArmFakeServer.ResourceGroup,
            HostedZoneName = "example.com",
            Environment = environment,
            Credential = _credential,
            ArmEndpoint = _fake.Endpoint,
        }, _http).PresentAsync(Name, ApexValue);

        Assert.Equal(arm, cloud.Arm.AbsoluteUri);
        Assert.Equal(authority, cloud.Authority.AbsoluteUri);
        Assert.Equal([arm + ".default"], _credential.RequestedScopes);
    }
}
