using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>DNS-01 solving; exactly one provider is set.</summary>
[GenerateSerializer, Alias("certfleet.api.AcmeDns01Solver")]
public sealed record AcmeDns01Solver
{
    [Id(0), Enum(AcmeCnameStrategies.None, AcmeCnameStrategies.Follow),
     Description("Follow: when _acme-challenge.<name> is a CNAME, write the record at its target instead.")]
    public string? CnameStrategy { get; init; }

    [Id(1), Description("DNS servers (host:port) used for the propagation check instead of the authoritative ones.")]
    public List<string>? Nameservers { get; init; }

    [Id(2), Description("Akamai Edge DNS.")]
    public AcmeDns01Akamai? Akamai { get; init; }

    [Id(3), JsonPropertyName("cloudDNS"), Description("Google Cloud DNS.")]
    public AcmeDns01CloudDns? CloudDns { get; init; }

    [Id(4), Description("Cloudflare.")]
    public AcmeDns01Cloudflare? Cloudflare { get; init; }

    [Id(5), Description("AWS Route 53.")]
    public AcmeDns01Route53? Route53 { get; init; }

    [Id(6), JsonPropertyName("azureDNS"), Description("Azure DNS.")]
    public AcmeDns01AzureDns? AzureDns { get; init; }

    [Id(7), Description("DigitalOcean.")]
    public AcmeDns01DigitalOcean? Digitalocean { get; init; }

    [Id(8), JsonPropertyName("acmeDNS"), Description("An acme-dns server.")]
    public AcmeDns01AcmeDns? AcmeDns { get; init; }

    [Id(9), JsonPropertyName("rfc2136"), Description("Any DNS server accepting RFC 2136 dynamic updates (BIND, PowerDNS, ...).")]
    public AcmeDns01Rfc2136? Rfc2136 { get; init; }

    [Id(10), Description("An out-of-process solver reached through the Kubernetes API aggregation layer.")]
    public AcmeDns01Webhook? Webhook { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01Akamai")]
public sealed record AcmeDns01Akamai
{
    [Id(0), Required, Description("Akamai API host.")]
    public string ServiceConsumerDomain { get; init; } = "";

    [Id(1), Required, Description("Secret entry holding the client token.")]
    public SecretKeySelector ClientTokenSecretRef { get; init; } = new();

    [Id(2), Required, Description("Secret entry holding the client secret.")]
    public SecretKeySelector ClientSecretSecretRef { get; init; } = new();

    [Id(3), Required, Description("Secret entry holding the access token.")]
    public SecretKeySelector AccessTokenSecretRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01CloudDns")]
public sealed record AcmeDns01CloudDns
{
    [Id(0), Required, Description("Google Cloud project of the zone.")]
    public string Project { get; init; } = "";

    [Id(1), Description("Secret entry holding a service account JSON key; ambient credentials when unset.")]
    public SecretKeySelector? ServiceAccountSecretRef { get; init; }

    [Id(2), Description("Managed zone to write to; found from the name when unset.")]
    public string? HostedZoneName { get; init; }
}

/// <summary>One of apiKeySecretRef (with email) and apiTokenSecretRef is set.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01Cloudflare")]
public sealed record AcmeDns01Cloudflare
{
    [Id(0), Description("Account email; needed with apiKeySecretRef.")]
    public string? Email { get; init; }

    [Id(1), Description("Secret entry holding a global API key.")]
    public SecretKeySelector? ApiKeySecretRef { get; init; }

    [Id(2), Description("Secret entry holding a scoped API token (preferred).")]
    public SecretKeySelector? ApiTokenSecretRef { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeDns01Route53")]
public sealed record AcmeDns01Route53
{
    [Id(0), Description("AWS region; from the environment when unset.")]
    public string? Region { get; init; }

    [Id(1), JsonPropertyName("accessKeyID"), Description("Access key ID; excludes accessKeyIDSecretRef. Ambient credentials when neither is set.")]
    public string? AccessKeyId { get; init; }

    [Id(2), JsonPropertyName("accessKeyIDSecretRef"), Description("Secret entry holding the access key ID; excludes accessKeyID.")]
    public SecretKeySelector? AccessKeyIdSecretRef { get; init; }

    [Id(3), Description("Secret entry holding the secret access key.")]
    public SecretKeySelector? SecretAccessKeySecretRef { get; init; }

    [Id(4), Description("IAM role ARN to assume.")]
    public string? Role { get; init; }

    [Id(5), JsonPropertyName("hostedZoneID"), Description("Hosted zone to write to; found from the name when unset.")]
    public string? HostedZoneId { get; init; }

    [Id(6), Description("Web identity authentication with a Kubernetes service account token.")]
    public AcmeDns01Route53Auth? Auth { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeDns01Route53Auth")]
public sealed record AcmeDns01Route53Auth
{
    [Id(0), Required, Description("Use a token of a Kubernetes service account.")]
    public AcmeDns01Route53KubernetesAuth Kubernetes { get; init; } = new();
}

[GenerateSerializer, Alias("certfleet.api.AcmeDns01Route53KubernetesAuth")]
public sealed record AcmeDns01Route53KubernetesAuth
{
    [Id(0), Required, Description("Service account to request a token for; role must be set too.")]
    public ServiceAccountRef ServiceAccountRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01AzureDns")]
public sealed record AcmeDns01AzureDns
{
    [Id(0), Required, JsonPropertyName("subscriptionID"), Description("Azure subscription of the zone.")]
    public string SubscriptionId { get; init; } = "";

    [Id(1), Required, Description("Resource group of the zone.")]
    public string ResourceGroupName { get; init; } = "";

    [Id(2), Description("Zone to write to; found from the name when unset.")]
    public string? HostedZoneName { get; init; }

    [Id(3), JsonPropertyName("clientID"), Description("Service principal client ID; with clientSecretSecretRef and tenantID. Excludes managedIdentity.")]
    public string? ClientId { get; init; }

    [Id(4), Description("Secret entry holding the service principal secret.")]
    public SecretKeySelector? ClientSecretSecretRef { get; init; }

    [Id(5), JsonPropertyName("tenantID"), Description("Tenant of the service principal.")]
    public string? TenantId { get; init; }

    [Id(6), Enum(AzureEnvironments.PublicCloud, AzureEnvironments.ChinaCloud, AzureEnvironments.GermanCloud, AzureEnvironments.UsGovernmentCloud),
     Description("Azure cloud; AzurePublicCloud when unset.")]
    public string? Environment { get; init; }

    [Id(7), Description("Managed identity to use instead of a service principal.")]
    public AzureManagedIdentity? ManagedIdentity { get; init; }

    [Id(8), Enum(AzureZoneTypes.PublicZone, AzureZoneTypes.PrivateZone), Description("Public or private DNS zone; AzurePublicZone when unset.")]
    public string? ZoneType { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AzureManagedIdentity")]
public sealed record AzureManagedIdentity
{
    [Id(0), JsonPropertyName("clientID"), Description("Client ID of the identity; excludes resourceID.")]
    public string? ClientId { get; init; }

    [Id(1), JsonPropertyName("resourceID"), Description("Resource ID of the identity; excludes clientID.")]
    public string? ResourceId { get; init; }

    [Id(2), JsonPropertyName("tenantID"), Description("Tenant of the identity, for workload identity federation.")]
    public string? TenantId { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01DigitalOcean")]
public sealed record AcmeDns01DigitalOcean
{
    [Id(0), Required, Description("Secret entry holding the API token.")]
    public SecretKeySelector TokenSecretRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01AcmeDns")]
public sealed record AcmeDns01AcmeDns
{
    [Id(0), Required, Description("URL of the acme-dns server.")]
    public string Host { get; init; } = "";

    [Id(1), Required, Description("Secret entry holding the JSON map of domains to acme-dns accounts.")]
    public SecretKeySelector AccountSecretRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01Rfc2136")]
public sealed record AcmeDns01Rfc2136
{
    [Id(0), Required, Description("DNS server receiving the updates, as host or host:port (IPv6 in brackets).")]
    public string Nameserver { get; init; } = "";

    [Id(1), Description("TSIG key name; updates are unsigned when unset.")]
    public string? TsigKeyName { get; init; }

    [Id(2), Description("TSIG algorithm, for example HMACSHA256; HMACMD5 when unset.")]
    public string? TsigAlgorithm { get; init; }

    [Id(3), Description("Secret entry holding the base64 TSIG secret.")]
    public SecretKeySelector? TsigSecretSecretRef { get; init; }

    [Id(4), Enum(Rfc2136Protocols.Udp, Rfc2136Protocols.Tcp), Description("Transport of the updates; UDP when unset.")]
    public string? Protocol { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeDns01Webhook")]
public sealed record AcmeDns01Webhook
{
    [Id(0), Required, Description("API group the webhook solver is served under.")]
    public string GroupName { get; init; } = "";

    [Id(1), Required, Description("Name of the solver within the group.")]
    public string SolverName { get; init; } = "";

    [Id(2), PreserveUnknownFields, JsonConverter(typeof(RawJsonConverter)),
     Description("Solver-specific configuration handed to the webhook unchanged (JSON).")]
    public string? Config { get; init; }
}
