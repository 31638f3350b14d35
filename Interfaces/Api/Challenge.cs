using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>One ACME challenge being solved for one identifier of an Order.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, Categories = ["cert-manager", "cert-manager-acme"])]
[PrinterColumn("State", "string", ".status.state", Order = 0)]
[PrinterColumn("Domain", "string", ".spec.dnsName", Order = 1)]
[PrinterColumn("Reason", "string", ".status.reason", Priority = 1, Order = 2)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 3, Description = "Time since the resource was created.")]
[SelectableField(".spec.issuerRef.group")]
[SelectableField(".spec.issuerRef.kind")]
[SelectableField(".spec.issuerRef.name")]
[Description("A Challenge tracks presenting, checking and validating one ACME challenge, and cleaning up after it.")]
[GenerateSerializer, Alias("certfleet.api.Challenge")]
public sealed record Challenge
{
    public const string Group = "acme.cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "Challenge";
    public const string Plural = "challenges";
    public const string Singular = "challenge";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Required, Description("The challenge and the solver chosen for it.")]
    public ChallengeSpec Spec { get; init; } = new();

    [Id(4), Description("Progress of solving the challenge.")]
    public ChallengeStatus? Status { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.ChallengeSpec")]
public sealed record ChallengeSpec
{
    [Id(0), Required, Description("URL of the challenge on the ACME server.")]
    public string Url { get; init; } = "";

    [Id(1), Required, JsonPropertyName("authorizationURL"), Description("URL of the authorization the challenge belongs to.")]
    public string AuthorizationUrl { get; init; } = "";

    [Id(2), Required, Description("Identifier being validated, without any wildcard prefix.")]
    public string DnsName { get; init; } = "";

    [Id(3), Description("Whether the identifier was requested as a wildcard.")]
    public bool? Wildcard { get; init; }

    [Id(4), Required, Enum(ChallengeTypes.Http01, ChallengeTypes.Dns01), Description("HTTP-01 or DNS-01.")]
    public string Type { get; init; } = "";

    [Id(5), Required, Description("Challenge token from the server.")]
    public string Token { get; init; } = "";

    [Id(6), Required, Description("Key authorization to present: the HTTP-01 response body, or the source of the DNS-01 TXT value.")]
    public string Key { get; init; } = "";

    [Id(7), Required, Description("The issuer's solver chosen for this challenge.")]
    public AcmeChallengeSolver Solver { get; init; } = new();

    [Id(8), Required, Description("The ACME issuer of the Order.")]
    public IssuerRef IssuerRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.ChallengeStatus")]
public sealed record ChallengeStatus
{
    [Id(0), Description("Whether the controller is working on the challenge now.")]
    public bool? Processing { get; init; }

    [Id(1), Description("Whether the solver has presented the challenge (record or route in place).")]
    public bool? Presented { get; init; }

    [Id(2), Description("When the challenge was first presented.")]
    public DateTimeOffset? PresentedAt { get; init; }

    [Id(3), Description("Why the challenge is in its state, for example a failed self-check.")]
    public string? Reason { get; init; }

    [Id(4), Enum(OrderStates.Valid, OrderStates.Ready, OrderStates.Pending, OrderStates.Processing, OrderStates.Invalid,
         OrderStates.Expired, OrderStates.Errored),
     Description("ACME state of the challenge; valid, invalid, expired and errored are final.")]
    public string? State { get; init; }
}
