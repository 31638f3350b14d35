using Azure.Identity;
using CertFleet.Providers.Dns01;

namespace CertFleet.Dns01.Tests;

/// <summary>
/// Azure DNS with workload identity: the federated token file goes to Entra ID as a client assertion, and the ARM calls
/// carry the token Entra hands back. Runs against loopback fakes of both over https.
/// </summary>
public sealed class AzureWorkloadIdentityTests : IAsyncLifetime
{
    private const string Name = "_acme-challenge.example.com.";
    private const string Value = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

    private readonly string _tokenFile = Path.GetTempFileName();
    private readonly string _federatedToken = TestJwt.For(["api://AzureADTokenExchange"], "system:serviceaccount:cert-manager:certfleet");
    private AzureIdentityFakeServer _identity = null!;
    private AzureArmFakeServer _arm = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, _federatedToken);
        _identity = await AzureIdentityFakeServer.StartAsync();
        _identity.ExpectedAssertion = _federatedToken;
        _arm = await AzureArmFakeServer.StartAsync();
        _http = LoopbackCertificate.TrustingClient(_identity.Certificate, _arm.Certificate);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _arm.DisposeAsync();
        await _identity.DisposeAsync();
        File.Delete(_tokenFile);
    }

    private AzureDnsProvider Provider(Azure.Core.TokenCredential credential) => new(new AzureDnsSettings
    {
        SubscriptionId = AzureArmFakeServer.Subscription,
        ResourceGroupName = AzureArmFakeServer.ResourceGroup,
        HostedZoneName = "example.com",
        Credential = credential,
        ArmEndpoint = _arm.Endpoint,
    }, _http);

    private Azure.Core.TokenCredential Credential(AzureDnsIdentity identity, AzureAmbientIdentity ambient) =>
        AzureDnsCredentials.Create(identity, ambient, _identity.AuthorityHost, _http);

    [Fact]
    public async Task FederatedTokenIsTheClientAssertionAndArmGetsEntrasToken()
    {
        var credential = Credential(
            new AzureDnsIdentity { ManagedIdentityClientId = AzureIdentityFakeServer.ClientId, ManagedIdentityTenantId = AzureIdentityFakeServer.TenantId },
            new AzureAmbientIdentity(_tokenFile, ClientId: "ignored-when-the-issuer-names-one", TenantId: null));

        await Provider(credential).PresentAsync(Name, Value);

        Assert.IsType<WorkloadIdentityCredential>(credential);
        Assert.Empty(_identity.Problems);
        Assert.Empty(_arm.Problems);
        Assert.Contains(_identity.Requests, r => r == $"POST {_identity.AuthorityHost}{AzureIdentityFakeServer.TenantId}/oauth2/v2.0/token");
        Assert.Equal([Value], _arm.RecordSets["dnsZones/example.com/_acme-challenge"].Values);
    }

    [Fact]
    public async Task ClientAndTenantComeFromTheWebhooksVariablesWhenTheIssuerNamesNone()
    {
        var credential = Credential(new AzureDnsIdentity(), new AzureAmbientIdentity(_tokenFile, AzureIdentityFakeServer.ClientId, AzureIdentityFakeServer.TenantId));

        await Provider(credential).PresentAsync(Name, Value);

        Assert.Empty(_identity.Problems);
        Assert.Empty(_arm.Problems);
        Assert.Single(_arm.RecordSets);
    }

    [Fact]
    public async Task AnAssertionEntraDoesNotTrustIsAProviderErrorWithEntrasMessage()
    {
        _identity.ExpectedAssertion = "some-other-token";
        var credential = Credential(
            new AzureDnsIdentity { ManagedIdentityClientId = AzureIdentityFakeServer.ClientId, ManagedIdentityTenantId = AzureIdentityFakeServer.TenantId },
            new AzureAmbientIdentity(_tokenFile, null, null));

        var error = await Assert.ThrowsAsync<Dns01ProviderException>(() => Provider(credential).PresentAsync(Name, Value));

        Assert.Contains("AADSTS700213: No matching federated identity record", error.Message);
        Assert.Empty(_identity.Problems);
        Assert.Empty(_arm.Requests);
    }

    [Fact]
    public void WorkloadIdentityWithoutAClientIdNamesTheField()
    {
        var error = Assert.Throws<ArgumentException>(() => AzureDnsCredentials.Create(
            new AzureDnsIdentity { ManagedIdentityTenantId = AzureIdentityFakeServer.TenantId }, new AzureAmbientIdentity(_tokenFile, null, null)));

        Assert.Contains("managedIdentity.clientID", error.Message);
    }
}
