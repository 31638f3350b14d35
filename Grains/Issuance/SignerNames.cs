using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// cert-manager's signer names (<c>&lt;resource&gt;.&lt;group&gt;/…</c>, as its approver's RBAC names them) and which
/// issuerRefs CertFleet signs for itself: Issuers and ClusterIssuers of group cert-manager.io. Every other issuerRef
/// belongs to an external issuer, which signs the CertificateRequest and writes its status.
/// </summary>
public static class SignerNames
{
    /// <summary>What cert-manager's chart lets its approver approve (approveSignerNames) and this controller's default.</summary>
    public static readonly IReadOnlyList<string> CertManagerDefaults = ["issuers.cert-manager.io/*", "clusterissuers.cert-manager.io/*"];

    public static bool IsCertManagerIssuer(IssuerRef issuerRef) =>
        GroupOf(issuerRef) == IssuerRef.DefaultGroup && KindOf(issuerRef) is "Issuer" or "ClusterIssuer";

    public static string GroupOf(IssuerRef issuerRef) => string.IsNullOrEmpty(issuerRef.Group) ? IssuerRef.DefaultGroup : issuerRef.Group;

    public static string KindOf(IssuerRef issuerRef) => string.IsNullOrEmpty(issuerRef.Kind) ? IssuerRef.DefaultKind : issuerRef.Kind;

    /// <summary>
    /// <c>&lt;resource&gt;.&lt;group&gt;</c> of the issuerRef's kind. Without discovery the resource is guessed as
    /// Kubernetes' client libraries guess it (lower case; -s becomes -ses, -y becomes -ies, otherwise -s), which is how
    /// every external issuer's CRD is named.
    /// </summary>
    public static string ResourceOf(IssuerRef issuerRef)
    {
        var kind = KindOf(issuerRef).ToLowerInvariant();
        var plural = kind switch
        {
            _ when kind.EndsWith('s') => kind + "es",
            _ when kind.EndsWith('y') => kind[..^1] + "ies",
            _ => kind + "s",
        };
        return $"{plural}.{GroupOf(issuerRef)}";
    }

    /// <summary>Whether one of <paramref name="approved"/> (each <c>&lt;resource&gt;.&lt;group&gt;/*</c>) covers the issuerRef.</summary>
    public static bool Approves(IReadOnlyList<string> approved, IssuerRef issuerRef)
    {
        var signers = ResourceOf(issuerRef) + "/*";
        return approved.Any(name => string.Equals(name, signers, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Why <paramref name="name"/> is not a signer name the approver can match, or null.</summary>
    public static string? Problem(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || name[(slash + 1)..] != "*")
            return $"\"{name}\" must be <resource>.<group>/* (all issuers of one kind), e.g. stepissuers.certmanager.step.sm/*";
        var resource = name[..slash];
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == resource.Length - 1 || resource.Any(c => char.IsWhiteSpace(c) || c == '*'))
            return $"\"{name}\" must name a resource and its API group before the '/', e.g. stepissuers.certmanager.step.sm/*";
        return null;
    }
}
