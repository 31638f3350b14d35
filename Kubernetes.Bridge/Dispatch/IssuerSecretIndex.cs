using CertFleet.Interfaces;
using CertFleet.Interfaces.Grains;

namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// The Secrets that CA issuers read (spec.ca.secretName), as the Issuer and ClusterIssuer watches show them, so a
/// Secret change goes through the Secret's claim grain (which tells the issuers) only when an issuer may read it.
/// A ClusterIssuer's Secret is matched by name in every namespace: the grains, not the bridge, know the cluster
/// resource namespace, and matching too much only costs the old path.
/// </summary>
public sealed class IssuerSecretIndex
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, ObjectKey> _secretByIssuer = new();
    private readonly Dictionary<ObjectKey, int> _issuersBySecret = new();

    /// <summary>An issuer as last seen; null when it was deleted.</summary>
    public void Observe(ObjectKey issuer, IssuerObject? content)
    {
        // An Issuer reads its own namespace; a ClusterIssuer's Secret is keyed with no namespace (any namespace).
        var secret = content?.Spec.CA?.SecretName is { Length: > 0 } name ? issuer.WithName(name) : null;
        lock (_lock)
        {
            if (_secretByIssuer.Remove(issuer, out var previous) && --_issuersBySecret[previous] == 0)
                _issuersBySecret.Remove(previous);
            if (secret is null)
                return;
            _secretByIssuer[issuer] = secret;
            _issuersBySecret[secret] = _issuersBySecret.GetValueOrDefault(secret) + 1;
        }
    }

    public bool IsReadByAnIssuer(ObjectKey secret)
    {
        lock (_lock)
        {
            return _issuersBySecret.ContainsKey(secret)
                   || _issuersBySecret.ContainsKey(new ObjectKey(secret.Cluster, "", secret.Name));
        }
    }
}
