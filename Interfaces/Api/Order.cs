using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>An ACME order placed for one CertificateRequest.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, Categories = ["cert-manager", "cert-manager-acme"])]
[PrinterColumn("State", "string", ".status.state", Order = 0)]
[PrinterColumn("Issuer", "string", ".spec.issuerRef.name", Priority = 1, Order = 1)]
[PrinterColumn("Reason", "string", ".status.reason", Priority = 1, Order = 2)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 3, Description = "Time since the resource was created.")]
[SelectableField(".spec.issuerRef.group")]
[SelectableField(".spec.issuerRef.kind")]
[SelectableField(".spec.issuerRef.name")]
[Description("An Order tracks one ACME order: its authorizations, finalization and the downloaded certificate.")]
[GenerateSerializer, Alias("certfleet.api.Order")]
public sealed record Order
{
    public const string Group = "acme.cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "Order";
    public const string Plural = "orders";
    public const string Singular = "order";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Required, Description("What is being ordered.")]
    public OrderSpec Spec { get; init; } = new();

    [Id(4), Description("The order as the ACME server last reported it.")]
    public OrderStatus? Status { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.OrderSpec")]
public sealed record OrderSpec
{
    [Id(0), Required, Description("PEM CSR sent when finalizing (base64 in JSON).")]
    public byte[] Request { get; init; } = [];

    [Id(1), Required, Description("The ACME issuer the order is placed with.")]
    public IssuerRef IssuerRef { get; init; } = new();

    [Id(2), Description("Common name of the CSR; must also be one of the DNS names or IP addresses.")]
    public string? CommonName { get; init; }

    [Id(3), Description("DNS identifiers of the order.")]
    public List<string>? DnsNames { get; init; }

    [Id(4), Description("IP identifiers of the order.")]
    public List<string>? IpAddresses { get; init; }

    [Id(5), Description("Requested lifetime (Go duration), sent as notAfter when the issuer enables it.")]
    public string? Duration { get; init; }

    [Id(6), Description("Certificate profile requested from the server.")]
    public string? Profile { get; init; }

    [Id(7), Description("ARI certificate ID (base64url(AKI).base64url(serial)) of the certificate this order replaces.")]
    public string? Replaces { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.OrderStatus")]
public sealed record OrderStatus
{
    [Id(0), Description("URL of the order on the ACME server.")]
    public string? Url { get; init; }

    [Id(1), JsonPropertyName("finalizeURL"), Description("URL the CSR is posted to once the order is ready.")]
    public string? FinalizeUrl { get; init; }

    [Id(2), Description("Authorizations of the order, one per identifier.")]
    public List<AcmeAuthorization>? Authorizations { get; init; }

    [Id(3), Description("The downloaded PEM chain (base64 in JSON).")]
    public byte[]? Certificate { get; init; }

    [Id(4), Enum(OrderStates.Valid, OrderStates.Ready, OrderStates.Pending, OrderStates.Processing, OrderStates.Invalid,
         OrderStates.Expired, OrderStates.Errored),
     Description("ACME state of the order; valid, invalid, expired and errored are final.")]
    public string? State { get; init; }

    [Id(5), Description("Why the order is in its state, typically an error.")]
    public string? Reason { get; init; }

    [Id(6), Description("When the order failed.")]
    public DateTimeOffset? FailureTime { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.AcmeAuthorization")]
public sealed record AcmeAuthorization
{
    [Id(0), Required, Description("URL of the authorization.")]
    public string Url { get; init; } = "";

    [Id(1), Description("Identifier being authorized, without any wildcard prefix.")]
    public string? Identifier { get; init; }

    [Id(2), Description("Whether the identifier was requested as a wildcard.")]
    public bool? Wildcard { get; init; }

    [Id(3), Enum(OrderStates.Valid, OrderStates.Ready, OrderStates.Pending, OrderStates.Processing, OrderStates.Invalid,
         OrderStates.Expired, OrderStates.Errored),
     Description("State of the authorization when the order was created; valid ones need no challenge.")]
    public string? InitialState { get; init; }

    [Id(4), Description("Challenges offered by the server for this authorization.")]
    public List<AcmeChallenge>? Challenges { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeChallenge")]
public sealed record AcmeChallenge
{
    [Id(0), Required, Description("URL of the challenge.")]
    public string Url { get; init; } = "";

    [Id(1), Required, Description("Challenge token.")]
    public string Token { get; init; } = "";

    [Id(2), Required, Description("Challenge type as the server names it, for example http-01 or dns-01.")]
    public string Type { get; init; } = "";
}
