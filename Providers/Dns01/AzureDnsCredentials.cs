using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace CertFleet.Providers.Dns01;

/// <summary>What the pod's environment says about Azure identity; the workload identity webhook injects these variables.</summary>
public sealed record AzureAmbientIdentity(string? FederatedTokenFile, string? ClientId, string? TenantId)
{
    public static AzureAmbientIdentity FromEnvironment() => new(
        Environment.GetEnvironmentVariable("AZURE_FEDERATED_TOKEN_FILE"),
        Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"),
        Environment.GetEnvironmentVariable("AZURE_TENANT_ID"));
}

/// <summary>The fields of cert-manager's <c>azureDNS</c> that choose the credential.</summary>
public sealed record AzureDnsIdentity
{
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public string? TenantId { get; init; }
    public string? ManagedIdentityClientId { get; init; }
    public string? ManagedIdentityResourceId { get; init; }
    public string? ManagedIdentityTenantId { get; init; }
    public AzureDnsEnvironment Environment { get; init; } = AzureDnsEnvironment.AzurePublicCloud;
}

/// <summary>The Entra ID credential cert-manager's azureDNS solver would use for the same fields.</summary>
public static class AzureDnsCredentials
{
    /// <summary>
    /// A client secret (with clientId and tenantId) wins; otherwise ambient identity: workload identity when the pod has
    /// a federated token file, else managed identity (user-assigned by client or resource id, or system-assigned).
    /// </summary>
    /// <param name="ambient">Null reads the process environment.</param>
    /// <param name="authorityHost">Null means the environment's Entra authority.</param>
    /// <param name="http">Carries the token requests; null means Azure.Core's own transport.</param>
    /// <exception cref="ArgumentException">The fields do not make a credential; the message names them.</exception>
    public static TokenCredential Create(AzureDnsIdentity identity, AzureAmbientIdentity? ambient = null, Uri? authorityHost = null, HttpClient? http = null)
    {
        var authority = authorityHost ?? Cloud(identity.Environment).Authority;
        // Entra's instance metadata knows only its own clouds; an overridden authority must skip that lookup.
        var custom = authorityHost is not null;
        void Configure(TokenCredentialOptions options)
        {
            options.AuthorityHost = authority;
            options.Retry.MaxRetries = 1;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
            if (http is not null)
                options.Transport = new HttpClientTransport(http);
            options.AddPolicy(new AzureAnswerLimitPolicy("Entra ID's answer"), HttpPipelinePosition.BeforeTransport);
        }

        if (!string.IsNullOrEmpty(identity.ClientSecret))
        {
            if (string.IsNullOrEmpty(identity.ClientId) || string.IsNullOrEmpty(identity.TenantId))
                throw new ArgumentException("azureDNS: clientSecretSecretRef needs clientID and tenantID");
            var options = new ClientSecretCredentialOptions { DisableInstanceDiscovery = custom };
            Configure(options);
            return new ClientSecretCredential(identity.TenantId, identity.ClientId, identity.ClientSecret, options);
        }

        ambient ??= AzureAmbientIdentity.FromEnvironment();
        if (!string.IsNullOrEmpty(ambient.FederatedTokenFile))
        {
            // Unset fields keep the values the workload identity webhook injected (AZURE_CLIENT_ID, AZURE_TENANT_ID).
            var clientId = FirstSet(identity.ManagedIdentityClientId, identity.ClientId, ambient.ClientId)
                ?? throw new ArgumentException("azureDNS: workload identity needs a client ID: set managedIdentity.clientID (or AZURE_CLIENT_ID in the controller's environment)");
            var tenantId = FirstSet(identity.ManagedIdentityTenantId, identity.TenantId, ambient.TenantId)
                ?? throw new ArgumentException("azureDNS: workload identity needs a tenant ID: set managedIdentity.tenantID (or AZURE_TENANT_ID in the controller's environment)");
            var options = new WorkloadIdentityCredentialOptions
            {
                ClientId = clientId,
                TenantId = tenantId,
                TokenFilePath = ambient.FederatedTokenFile,
                DisableInstanceDiscovery = custom,
            };
            Configure(options);
            return new WorkloadIdentityCredential(options);
        }

        if (!string.IsNullOrEmpty(identity.ManagedIdentityClientId) && !string.IsNullOrEmpty(identity.ManagedIdentityResourceId))
            throw new ArgumentException("azureDNS: managedIdentity.clientID and managedIdentity.resourceID exclude each other; set one");
        var id = !string.IsNullOrEmpty(identity.ManagedIdentityClientId) ? ManagedIdentityId.FromUserAssignedClientId(identity.ManagedIdentityClientId)
            : !string.IsNullOrEmpty(identity.ManagedIdentityResourceId) ? ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(identity.ManagedIdentityResourceId))
            : ManagedIdentityId.SystemAssigned;
        var managed = new ManagedIdentityCredentialOptions(id);
        Configure(managed);
        return new ManagedIdentityCredential(managed);
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    /// <summary>Resource Manager endpoint, token scope and Entra authority of each cloud.</summary>
    public static (Uri Arm, string Scope, Uri Authority) Cloud(AzureDnsEnvironment environment) => environment switch
    {
        AzureDnsEnvironment.AzureUSGovernmentCloud => (new Uri("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default", AzureAuthorityHosts.AzureGovernment),
        AzureDnsEnvironment.AzureChinaCloud => (new Uri("https://management.chinacloudapi.cn"), "https://management.chinacloudapi.cn/.default", AzureAuthorityHosts.AzureChina),
        _ => (new Uri("https://management.azure.com"), "https://management.azure.com/.default", AzureAuthorityHosts.AzurePublicCloud),
    };
}
