namespace CertFleet.Kubernetes.Bridge.Dispatch;

/// <summary>
/// Where the objects the bridge has handed to grains are kept across leader terms, per cluster and watched resource:
/// "namespace/name" (namespace empty when cluster-scoped) → uid.
/// </summary>
public interface IKnownObjectsStore
{
    Task<IReadOnlyDictionary<string, string>> LoadAsync(string cluster, string resource);

    /// <summary>Objects seen (a uid) and objects whose deletion was delivered (null).</summary>
    Task ApplyAsync(string cluster, string resource, IReadOnlyDictionary<string, string?> changes);
}
