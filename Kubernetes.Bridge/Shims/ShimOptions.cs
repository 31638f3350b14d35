namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>
/// The issuer ingress-shim uses for <c>kubernetes.io/tls-acme: "true"</c> Ingresses and gateway-shim for Gateways that
/// name no issuer, like cert-manager's --default-issuer-name/kind/group. Bound from <c>CertFleet:Shims</c>.
/// </summary>
public sealed class ShimOptions
{
    /// <summary>Unset: only objects that name an issuer get Certificates.</summary>
    public string? DefaultIssuerName { get; set; }

    public string DefaultIssuerKind { get; set; } = "Issuer";

    public string DefaultIssuerGroup { get; set; } = "cert-manager.io";

    public bool HasDefaultIssuer => !string.IsNullOrWhiteSpace(DefaultIssuerName);
}
