using System.Text.Json;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Events;
using k8s;
using k8s.Models;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Carries grains' writes to the cluster named in each key. Writes are merge patches (no resourceVersion, so they
/// apply to whatever is stored now) or creates that fall back to the existing object, so a retry after a conflict or
/// a server error simply runs the write again. The one exception is <see cref="CreateSecretAsync"/>: a retry after a
/// lost answer can leave an extra generated Secret, owned by the caller's ownerReferences and collected with it.
/// </summary>
public sealed class ClusterWriter(KubernetesClusters clusters, EventRecorder events) : IClusterWriter
{
    public const string FieldManager = "certfleet";

    public Task WriteStatusAsync<TStatus>(ResourceKind kind, ObjectKey key, TStatus status, CancellationToken ct = default)
        where TStatus : class
    {
        RequireCustomResource(kind);
        var connection = clusters[key.Cluster];
        var patch = new V1Patch(StatusPatch.For(status), V1Patch.PatchType.MergePatch);
        return connection.RunAsync($"writing status of {kind.Kind} {key}", token =>
            connection.SendAsync((client, t) => kind.Namespaced
                ? client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, kind.Group, kind.Version,
                    key.Namespace, kind.Plural, key.Name, fieldManager: FieldManager, cancellationToken: t)
                : client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, kind.Group, kind.Version,
                    kind.Plural, key.Name, fieldManager: FieldManager, cancellationToken: t), token), ct);
    }

    public Task<CertificateRequest> CreateCertificateRequestAsync(ObjectKey key, CertificateRequest request,
        CancellationToken ct = default)
    {
        var kind = ResourceKind.CertificateRequest;
        var connection = clusters[key.Cluster];
        var body = JsonSerializer.SerializeToElement(request with
        {
            Metadata = request.Metadata with { Name = key.Name, Namespace = key.Namespace, ResourceVersion = null, Uid = null },
            // The status subresource ignores status on create; it is written separately.
            Status = null,
        }, ApiJson.Options);
        return connection.RunAsync($"creating CertificateRequest {key}", async token =>
        {
            try
            {
                var created = await connection.SendAsync((client, t) => client.CustomObjects.CreateNamespacedCustomObjectAsync(
                    body, kind.Group, kind.Version, key.Namespace, kind.Plural, fieldManager: FieldManager,
                    cancellationToken: t), token);
                return ApiObjects.Read<CertificateRequest>(created);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
            {
                // Its spec is immutable: the one already there is the one this name stands for.
                var existing = await connection.SendAsync((client, t) => client.CustomObjects.GetNamespacedCustomObjectAsync(
                    kind.Group, kind.Version, key.Namespace, kind.Plural, key.Name, t), token);
                return ApiObjects.Read<CertificateRequest>(existing);
            }
        }, ct);
    }

    public Task DeleteAsync(ResourceKind kind, ObjectKey key, CancellationToken ct = default)
    {
        if (kind.Group.Length == 0 && kind != ResourceKind.Secret)
            throw new NotSupportedException($"deleting core {kind.Plural} is not supported by the bridge");
        var connection = clusters[key.Cluster];
        return connection.RunAsync($"deleting {kind.Kind} {key}", async token =>
        {
            try
            {
                await connection.SendAsync((client, t) => Delete(client, kind, key, t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                // Already gone: that is what was asked for.
            }
        }, ct);
    }

    public Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys, CancellationToken ct = default)
    {
        var key = secret.Key;
        var connection = clusters[key.Cluster];
        var patch = new V1Patch(SecretPatch.For(secret, removeKeys), V1Patch.PatchType.MergePatch);
        var toCreate = SecretMapping.ToV1Secret(secret with
        {
            Data = secret.Data.Where(entry => !removeKeys.Contains(entry.Key)).ToDictionary(),
        });

        Task<V1Secret> Patch(CancellationToken token) => connection.SendAsync((client, t) =>
            client.CoreV1.PatchNamespacedSecretAsync(patch, key.Name, key.Namespace, fieldManager: FieldManager,
                cancellationToken: t), token);

        return connection.RunAsync($"writing Secret {key}", async token =>
        {
            try
            {
                return (await Patch(token)).Metadata.ResourceVersion;
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
            }

            try
            {
                var created = await connection.SendAsync((client, t) =>
                    client.CoreV1.CreateNamespacedSecretAsync(toCreate, key.Namespace, fieldManager: FieldManager,
                        cancellationToken: t), token);
                return created.Metadata.ResourceVersion;
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
            {
                // Someone created it between our patch and create: patch what they made.
                return (await Patch(token)).Metadata.ResourceVersion;
            }
        }, ct);
    }

    public Task<string> CreateSecretAsync(string generateName, SecretData secret, CancellationToken ct = default)
    {
        var key = secret.Key;
        var connection = clusters[key.Cluster];
        var body = SecretMapping.ToV1Secret(secret, generateName);
        return connection.RunAsync($"creating Secret {key.Namespace}/{generateName}*", async token =>
        {
            var created = await connection.SendAsync((client, t) =>
                client.CoreV1.CreateNamespacedSecretAsync(body, key.Namespace, fieldManager: FieldManager,
                    cancellationToken: t), token);
            return created.Metadata.Name;
        }, ct);
    }

    public Task RecordEventAsync(EventRecord record, CancellationToken ct = default) => events.RecordAsync(record, ct);

    private static async Task<object> Delete(IKubernetes client, ResourceKind kind, ObjectKey key, CancellationToken ct)
    {
        if (kind == ResourceKind.Secret)
            return await client.CoreV1.DeleteNamespacedSecretAsync(key.Name, key.Namespace, cancellationToken: ct);
        return kind.Namespaced
            ? await client.CustomObjects.DeleteNamespacedCustomObjectAsync(kind.Group, kind.Version, key.Namespace,
                kind.Plural, key.Name, cancellationToken: ct)
            : await client.CustomObjects.DeleteClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, key.Name,
                cancellationToken: ct);
    }

    private static void RequireCustomResource(ResourceKind kind)
    {
        if (kind.Group.Length == 0)
            throw new NotSupportedException($"the bridge writes status only for custom resources, not core {kind.Plural}");
    }
}
