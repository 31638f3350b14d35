using Azure.Core;
using Azure.Identity;

namespace CertFleet.Providers.Dns01;

/// <summary>The Entra ID credential cert-manager's azureDNS solver would use for the same fields.</summary>
public static class AzureDnsCredentials
{
    /// <summary>
    /// A client secret (with clientId and tenantId) wins; otherwise ambient identity: workload identity when
    /// AZURE_FEDERATED_TOKEN_FILE is set, else managed identity (user-assigned by client or resource id, or system-assigned).
    /// </summary>
    public static TokenCredential Create(
        string? clientId, string? clientSecret, string? tenantId,
        string? managedIdentityClientId = null, string? managedIdentityResourceId = null, string? managedIdentityTenantId = null,
        AzureDnsEnvironment environment = AzureDnsEnvironment.AzurePublicCloud)
    {
        var authority = Cloud(environment).Authority;
        if (!string.IsNullOrEmpty(clientSecret))
        {
            if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(tenantId))
                throw new ArgumentException("azureDNS: a client secret needs clientID and tenantID");
            return new ClientSecretCredential(tenantId, clientId, clientSecret, new ClientSecretCredentialOptions { AuthorityHost = authority });
        }
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AZURE_FEDERATED_TOKEN_FILE")))
        {
            var options = new WorkloadIdentityCredentialOptions { AuthorityHost = authority };
            // Unset fields keep the values the workload identity webhook injected (AZURE_CLIENT_ID, AZURE_TENANT_ID).
            if (FirstSet(managedIdentityClientId, clientId) is { } id)
                options.ClientId = id;
            if (FirstSet(managedIdentityTenantId, tenantId) is { } tenant)
                options.TenantId = tenant;
            return new WorkloadIdentityCredential(options);
        }
        var identity = !string.IsNullOrEmpty(managedIdentityClientId) ? ManagedIdentityId.FromUserAssignedClientId(managedIdentityClientId)
            : !string.IsNullOrEmpty(managedIdentityResourceId) ? ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(managedIdentityResourceId))
            : ManagedIdentityId.SystemAssigned;
        return new ManagedIdentityCredential(identity);
    }

    private static string? FirstSet(string? preferred, string? fallback) =>
        !string.IsNullOrEmpty(preferred) ? preferred : !string.IsNullOrEmpty(fallback) ? fallback : null;

    /// <summary>Resource Manager endpoint, token scope and Entra authority of each cloud.</summary>
    public static (Uri Arm, string Scope, Uri Authority) Cloud(AzureDnsEnvironment environment) => environment switch
    {
        AzureDnsEnvironment.AzureUSGovernmentCloud => (new Uri("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default", AzureAuthorityHosts.AzureGovernment),
        AzureDnsEnvironment.AzureChinaCloud => (new Uri("https://management.chinacloudapi.cn"), "https://management.chinacloudapi.cn/.default", AzureAuthorityHosts.AzureChina),
        _ => (new Uri("https://management.azure.com"), "https://management.azure.com/.default", AzureAuthorityHosts.AzurePublicCloud),
    };
}
