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

/// <summary>
/// One IMDS fake for the whole test run, announced the documented way (AZURE_POD_IDENTITY_AUTHORITY_HOST), as the
/// managed identity credential takes its endpoint only from the environment.
/// </summary>
public sealed class ImdsFixture : IAsyncLifetime
{
    public AzureIdentityFakeServer Identity { get; private set; } = null!;
    public AzureArmFakeServer Arm { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Identity = await AzureIdentityFakeServer.StartAsync();
        Arm = await AzureArmFakeServer.StartAsync();
        Http = LoopbackCertificate.TrustingClient(Identity.Certificate, Arm.Certificate);
        Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", Identity.ImdsHost.AbsoluteUri);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", null);
        Http.Dispose();
        await Arm.DisposeAsync();
        await Identity.DisposeAsync();
    }
}

/// <summary>Azure DNS with a managed identity (cert-manager's managedIdentity.clientID / resourceID, or system-assigned) from IMDS.</summary>
public sealed class AzureManagedIdentityTests(ImdsFixture imds) : IClassFixture<ImdsFixture>
{
    private const string Value = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
    private const string ResourceId = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/dns-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/certfleet";

    private async Task PresentWithAsync(AzureDnsIdentity identity, string name)
    {
        // No federated token file: managed identity.
        var credential = AzureDnsCredentials.Create(identity, new AzureAmbientIdentity(null, null, null), http: imds.Http);
        Assert.IsType<ManagedIdentityCredential>(credential);
        await new AzureDnsProvider(new AzureDnsSettings
        {
            SubscriptionId = AzureArmFakeServer.Subscription,
            ResourceGroupName = AzureArmFakeServer.ResourceGroup,
            HostedZoneName = "example.com",
            Credential = credential,
            ArmEndpoint = imds.Arm.Endpoint,
        }, imds.Http).PresentAsync(name, Value);
    }

    [Fact]
    public async Task UserAssignedByClientIdAsksImdsForThatClient()
    {
        imds.Identity.ExpectedManagedIdentity = ("client_id", AzureIdentityFakeServer.ClientId);

        await PresentWithAsync(new AzureDnsIdentity { ManagedIdentityClientId = AzureIdentityFakeServer.ClientId }, "_acme-challenge.client.example.com.");

        Assert.Empty(imds.Identity.Problems);
        Assert.Empty(imds.Arm.Problems);
        Assert.True(imds.Arm.RecordSets.ContainsKey("dnsZones/example.com/_acme-challenge.client"));
    }

    [Fact]
    public async Task UserAssignedByResourceIdAsksImdsForThatResource()
    {
        imds.Identity.ExpectedManagedIdentity = ("msi_res_id", ResourceId);

        await PresentWithAsync(new AzureDnsIdentity { ManagedIdentityResourceId = ResourceId }, "_acme-challenge.resource.example.com.");

        Assert.Empty(imds.Identity.Problems);
        Assert.True(imds.Arm.RecordSets.ContainsKey("dnsZones/example.com/_acme-challenge.resource"));
    }

    [Fact]
    public async Task WithoutAnIdDoesTheSystemAssignedIdentity()
    {
        imds.Identity.ExpectedManagedIdentity = null;

        await PresentWithAsync(new AzureDnsIdentity(), "_acme-challenge.system.example.com.");

        Assert.Empty(imds.Identity.Problems);
        Assert.True(imds.Arm.RecordSets.ContainsKey("dnsZones/example.com/_acme-challenge.system"));
    }

    [Fact]
    public void ClientIdAndResourceIdTogetherAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => AzureDnsCredentials.Create(
            new AzureDnsIdentity { ManagedIdentityClientId = AzureIdentityFakeServer.ClientId, ManagedIdentityResourceId = ResourceId },
            new AzureAmbientIdentity(null, null, null)));

        Assert.Contains("managedIdentity.clientID and managedIdentity.resourceID", error.Message);
    }
}
