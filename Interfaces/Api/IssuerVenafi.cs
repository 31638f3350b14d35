using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>Exactly one of tpp, cloud or ngts is set.</summary>
[GenerateSerializer, Alias("certfleet.api.VenafiIssuer")]
public sealed record VenafiIssuer
{
    [Id(0), Required, Description("Policy zone every request is made in.")]
    public string Zone { get; init; } = "";

    [Id(1), Description("Self-hosted (TPP) connection.")]
    public VenafiTpp? Tpp { get; init; }

    [Id(2), Description("SaaS connection.")]
    public VenafiCloud? Cloud { get; init; }

    [Id(3), Description("Next Generation Trust Services connection (OAuth 2.0 client credentials).")]
    public VenafiNgts? Ngts { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.VenafiTpp")]
public sealed record VenafiTpp
{
    [Id(0), Required, Description("Base URL of the vedsdk endpoint.")]
    public string Url { get; init; } = "";

    [Id(1), Required, Description("Secret with access-token, or username and password.")]
    public LocalObjectReference CredentialsRef { get; init; } = new();

    [Id(2), Description("PEM bundle (base64 in JSON) of CAs trusted for the server; excludes caBundleSecretRef.")]
    public byte[]? CaBundle { get; init; }

    [Id(3), Description("Secret entry with CAs trusted for the server; excludes caBundle.")]
    public SecretKeySelector? CaBundleSecretRef { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.VenafiCloud")]
public sealed record VenafiCloud
{
    [Id(0), Description("Base URL of the SaaS API; the public service when unset.")]
    public string? Url { get; init; }

    [Id(1), Required, Description("Secret entry holding the API token.")]
    public SecretKeySelector ApiTokenSecretRef { get; init; } = new();
}

[GenerateSerializer, Immutable, Alias("certfleet.api.VenafiNgts")]
public sealed record VenafiNgts
{
    [Id(0), Description("Base URL of the NGTS API; the public service when unset.")]
    public string? Url { get; init; }

    [Id(1), Description("OAuth 2.0 token endpoint; the public one when unset.")]
    public string? TokenEndpoint { get; init; }

    [Id(2), Required, JsonPropertyName("tsgID"), Description("Tenant service group the token is scoped to.")]
    public string TsgId { get; init; } = "";

    [Id(3), Required, Description("Secret with client-id and client-secret.")]
    public LocalObjectReference CredentialsRef { get; init; } = new();
}
