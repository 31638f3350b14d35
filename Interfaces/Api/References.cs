using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>Names the Issuer, ClusterIssuer or external issuer that signs a request.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.IssuerRef")]
public sealed record IssuerRef
{
    public const string DefaultKind = "Issuer";
    public const string DefaultGroup = "cert-manager.io";

    [Id(0), Required, Description("Name of the issuer resource.")]
    public string Name { get; init; } = "";

    [Id(1), Default(DefaultKind), Description("Kind of the issuer resource: Issuer (same namespace) or ClusterIssuer, or an external issuer's kind.")]
    public string? Kind { get; init; }

    [Id(2), Default(DefaultGroup), Description("API group of the issuer; another group hands signing to an external issuer.")]
    public string? Group { get; init; }
}

/// <summary>Names an object in the same namespace.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.LocalObjectReference")]
public sealed record LocalObjectReference
{
    [Id(0), Required, Description("Name of the referenced object.")]
    public string Name { get; init; } = "";
}

/// <summary>
/// One entry of a Secret. For namespaced issuers the Secret is in the issuer's namespace; for ClusterIssuers,
/// in the controller's cluster resource namespace.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.SecretKeySelector")]
public sealed record SecretKeySelector
{
    [Id(0), Required, Description("Name of the Secret.")]
    public string Name { get; init; } = "";

    [Id(1), Description("Key of the entry inside the Secret; some fields have a default key, others require it.")]
    public string? Key { get; init; }
}
