using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// What an issuer may reach, derived from the issuer's own key and never from what a caller passes: Secrets (and
/// ServiceAccounts) of its own namespace for an Issuer, of the cluster-resource namespace for a ClusterIssuer, always in
/// its own cluster; and, for an Issuer, requests of its own namespace only. A grain given a key, snapshot or context
/// outside these bounds refuses it, whoever called.
/// </summary>
public static class IssuerScope
{
    /// <summary>The namespace whose Secrets <paramref name="issuer"/> (an Issuer or ClusterIssuer key) may read.</summary>
    public static string SecretNamespace(ObjectKey issuer, string clusterResourceNamespace) =>
        issuer.IsClusterScoped ? clusterResourceNamespace : issuer.Namespace;

    /// <summary>The Secret <paramref name="name"/> as <paramref name="issuer"/> may read it: in its cluster and its namespace.</summary>
    public static ObjectKey Secret(ObjectKey issuer, string clusterResourceNamespace, string name) =>
        new(issuer.Cluster, SecretNamespace(issuer, clusterResourceNamespace), name);

    /// <summary>Why <paramref name="issuer"/> may not read <paramref name="secret"/>, or null when it may.</summary>
    public static string? SecretRefusal(ObjectKey issuer, string clusterResourceNamespace, ObjectKey secret) =>
        secret == Secret(issuer, clusterResourceNamespace, secret.Name)
            ? null
            : $"{KindOf(issuer)} \"{issuer}\" of cluster \"{issuer.Cluster}\" reads Secrets of namespace \"{SecretNamespace(issuer, clusterResourceNamespace)}\" " +
              $"only; refused Secret \"{secret.Namespace}/{secret.Name}\" of cluster \"{secret.Cluster}\"";

    /// <summary>Why <paramref name="issuer"/> may not serve the object <paramref name="served"/> (a request, order or challenge), or null.</summary>
    public static string? ServedRefusal(ObjectKey issuer, ObjectKey served)
    {
        if (served.Cluster != issuer.Cluster)
            return $"{KindOf(issuer)} \"{issuer}\" of cluster \"{issuer.Cluster}\" does not serve \"{served}\" of cluster \"{served.Cluster}\"";
        return issuer.IsClusterScoped || served.Namespace == issuer.Namespace
            ? null
            : $"Issuer \"{issuer}\" serves namespace \"{issuer.Namespace}\" only; refused \"{served}\"";
    }

    /// <summary>
    /// Why an ACME issuer context handed to the grain keyed <paramref name="grain"/> cannot be used there, or null: its
    /// kind must match its key, the issuer must serve the grain's object, and the account key must be the issuer's.
    /// </summary>
    public static string? AcmeContextRefusal(ObjectKey grain, AcmeIssuerContext context, string clusterResourceNamespace)
    {
        if (context.Issuer.IsClusterScoped != (context.IssuerKind == "ClusterIssuer"))
            return $"issuer kind \"{context.IssuerKind}\" does not match issuer key \"{context.Issuer.ToGrainKey()}\"";
        return ServedRefusal(context.Issuer, grain) ?? SecretRefusal(context.Issuer, clusterResourceNamespace, context.AccountKeySecret);
    }

    /// <summary>
    /// Why the object described by <paramref name="metadata"/> cannot be handed to the grain keyed <paramref name="key"/>,
    /// or null: a grain speaks for the one object its key names.
    /// </summary>
    public static string? ObjectRefusal(ObjectKey key, string kind, ObjectMeta metadata) =>
        (metadata.Namespace ?? "") == key.Namespace && metadata.Name == key.Name
            ? null
            : $"{kind} grain \"{key.ToGrainKey()}\" refused {kind} \"{(string.IsNullOrEmpty(metadata.Namespace) ? metadata.Name : $"{metadata.Namespace}/{metadata.Name}")}\": a grain only takes the object its key names";

    private static string KindOf(ObjectKey issuer) => issuer.IsClusterScoped ? "ClusterIssuer" : "Issuer";
}
