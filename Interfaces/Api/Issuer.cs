using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>A certificate authority that Certificates in the same namespace can name in issuerRef.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, ShortNames = ["iss"], Categories = ["cert-manager"])]
[PrinterColumn("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", Order = 0)]
[PrinterColumn("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", Priority = 1, Order = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 2, Description = "Time since the resource was created.")]
[Description("An Issuer is a certificate authority that signs requests from its own namespace.")]
[GenerateSerializer, Alias("certfleet.api.Issuer")]
public sealed record Issuer
{
    public const string Group = "cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "Issuer";
    public const string Plural = "issuers";
    public const string Singular = "issuer";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Required, Description("How the issuer signs: exactly one of acme, ca, selfSigned, vault or venafi.")]
    public IssuerSpec Spec { get; init; } = new();

    [Id(4), Description("Readiness of the issuer, written by the controller.")]
    public IssuerStatus? Status { get; init; }
}

/// <summary>A certificate authority that Certificates in any namespace can name in issuerRef.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, Namespaced = false, ShortNames = ["ciss"], Categories = ["cert-manager"])]
[PrinterColumn("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", Order = 0)]
[PrinterColumn("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", Priority = 1, Order = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 2, Description = "Time since the resource was created.")]
[Description("A ClusterIssuer is a certificate authority that signs requests from every namespace; the Secrets it refers to live in the controller's cluster resource namespace.")]
[GenerateSerializer, Alias("certfleet.api.ClusterIssuer")]
public sealed record ClusterIssuer
{
    public const string Group = "cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "ClusterIssuer";
    public const string Plural = "clusterissuers";
    public const string Singular = "clusterissuer";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Required, Description("How the issuer signs: exactly one of acme, ca, selfSigned, vault or venafi.")]
    public IssuerSpec Spec { get; init; } = new();

    [Id(4), Description("Readiness of the issuer, written by the controller.")]
    public IssuerStatus? Status { get; init; }
}

/// <summary>Configuration shared by Issuer and ClusterIssuer; exactly one member is set.</summary>
[GenerateSerializer, Alias("certfleet.api.IssuerSpec")]
public sealed record IssuerSpec
{
    [Id(0), Description("Obtain certificates from an ACME (RFC 8555) server such as Let's Encrypt.")]
    public AcmeIssuer? Acme { get; init; }

    [Id(1), Description("Sign with a CA key pair kept in a Secret.")]
    public CaIssuer? CA { get; init; }

    [Id(2), Description("Sign each certificate with its own private key.")]
    public SelfSignedIssuer? SelfSigned { get; init; }

    [Id(3), Description("Sign through a HashiCorp Vault PKI secrets engine.")]
    public VaultIssuer? Vault { get; init; }

    [Id(4), Description("Sign through CyberArk Certificate Manager (Venafi) or Palo Alto Networks NGTS.")]
    public VenafiIssuer? Venafi { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CaIssuer")]
public sealed record CaIssuer
{
    [Id(0), Required, Description("Secret with the signing CA's tls.crt and tls.key.")]
    public string SecretName { get; init; } = "";

    [Id(1), Description("CRL distribution point URLs written into issued certificates.")]
    public List<string>? CrlDistributionPoints { get; init; }

    [Id(2), Description("OCSP responder URLs written into issued certificates.")]
    public List<string>? OcspServers { get; init; }

    [Id(3), JsonPropertyName("issuingCertificateURLs"), Description("URLs of the issuing CA certificate written into issued certificates (authority information access).")]
    public List<string>? IssuingCertificateUrls { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.SelfSignedIssuer")]
public sealed record SelfSignedIssuer
{
    [Id(0), Description("CRL distribution point URLs written into issued certificates.")]
    public List<string>? CrlDistributionPoints { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.IssuerStatus")]
public sealed record IssuerStatus
{
    [Id(0), ListMapKeys("type"), Description("The Ready condition.")]
    public List<Condition>? Conditions { get; init; }

    [Id(1), Description("ACME account state; set only for ACME issuers.")]
    public AcmeIssuerStatus? Acme { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeIssuerStatus")]
public sealed record AcmeIssuerStatus
{
    [Id(0), Description("URL of the registered ACME account.")]
    public string? Uri { get; init; }

    [Id(1), Description("Email the account was last registered with.")]
    public string? LastRegisteredEmail { get; init; }

    [Id(2), Description("Hash of the account key the account was last registered with.")]
    public string? LastPrivateKeyHash { get; init; }
}
