using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using k8s;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>Reads Secrets on demand, so the controller never holds Secret data it is not using right now.</summary>
public sealed class ClusterReader(KubernetesClusters clusters) : IClusterReader
{
    public Task<SecretData?> GetSecretAsync(ObjectKey key, CancellationToken ct = default)
    {
        var connection = clusters[key.Cluster];
        return connection.RunAsync($"reading Secret {key}", async token =>
        {
            try
            {
                var secret = await connection.SendAsync((client, t) =>
                    client.CoreV1.ReadNamespacedSecretAsync(key.Name, key.Namespace, cancellationToken: t), token);
                return SecretMapping.ToSecretData(secret, key.Cluster);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return (SecretData?)null;
            }
        }, ct);
    }
}
