using CertFleet.Interfaces;
using CertFleet.Interfaces.Ports;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Reads Secrets and requests service account tokens on demand, so the controller never holds a credential it is not
/// using right now.
/// </summary>
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

    public async Task<ServiceAccountToken?> RequestServiceAccountTokenAsync(
        ObjectKey serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, CancellationToken ct = default)
    {
        var connection = clusters[serviceAccount.Cluster];
        var description = $"requesting a token of ServiceAccount {serviceAccount}";
        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { Audiences = [.. audiences], ExpirationSeconds = (long)lifetime.TotalSeconds },
        };
        var answer = await connection.RunAsync(description, async token =>
        {
            try
            {
                return await connection.SendAsync((client, t) =>
                    client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, serviceAccount.Name, serviceAccount.Namespace, cancellationToken: t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return null;
            }
        }, ct);
        if (answer is null)
            return null;
        if (answer.Status?.Token is not { Length: > 0 } issued || answer.Status.ExpirationTimestamp is not { } expires)
            throw new ClusterWriteException($"{description}: the API server answered without a token and its expiry");
        return new ServiceAccountToken(issued, new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)));
    }
}
