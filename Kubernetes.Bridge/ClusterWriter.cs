using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Kubernetes.Bridge.Dispatch;
using CertFleet.Kubernetes.Bridge.Events;
using CertFleet.Kubernetes.Bridge.Watching;
using k8s;
using k8s.Models;
using CertFleet.Kubernetes.Bridge.Solving;
using Microsoft.Extensions.Options;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>
/// Carries grains' writes to the cluster named in each key. Writes are merge patches (no resourceVersion, so they
/// apply to whatever is stored now) or creates that fall back to the existing object, so a retry after a conflict or
/// a server error simply runs the write again. Edits that must not lose someone else's change (removing a finalizer,
/// editing a user's Ingress) carry the resourceVersion read, so a 409 re-reads and re-applies. The one exception is <see cref="CreateSecretAsync"/>: a retry after a
/// lost answer can leave an extra generated Secret, owned by the caller's ownerReferences and collected with it.
/// </summary>
/// <param name="solverOptions">Where member clusters reach the silos' HTTP-01 responder; without it only a member's own annotation says.</param>
public sealed partial class ClusterWriter(KubernetesClusters clusters, EventRecorder events, IOptions<SolverServiceOptions>? solverOptions = null) : IClusterWriter
{
    public const string FieldManager = "certfleet";

    public Task<string> WriteStatusAsync<TStatus>(ResourceKind kind, ObjectKey key, TStatus status, CancellationToken ct = default)
        where TStatus : class
    {
        RequireCustomResource(kind);
        var connection = clusters[key.Cluster];
        var patch = new V1Patch(StatusPatch.For(status), V1Patch.PatchType.MergePatch);
        return Watched(connection, CustomResourceSource.NameOf(kind), key, () => connection.RunAsync($"writing status of {kind.Kind} {key}", async token =>
        {
            var written = await connection.SendAsync((client, t) => kind.Namespaced
                ? client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, kind.Group, kind.Version,
                    key.Namespace, kind.Plural, key.Name, fieldManager: FieldManager, cancellationToken: t)
                : client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, kind.Group, kind.Version,
                    kind.Plural, key.Name, fieldManager: FieldManager, cancellationToken: t), token);
            return ApiObjects.ResourceVersionOf(written);
        }, ct));
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
        return Watched(connection, CustomResourceSource.NameOf(kind), key, () => connection.RunAsync($"creating CertificateRequest {key}", async token =>
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
        }, ct), created => created.Metadata.ResourceVersion);
    }

    public Task<string?> ApproveCertificateRequestAsync(ObjectKey key, CertificateRequestCondition approved, CancellationToken ct = default)
    {
        var kind = ResourceKind.CertificateRequest;
        var connection = clusters[key.Cluster];
        var condition = JsonSerializer.SerializeToNode(approved, ApiJson.Options)!;
        return connection.RunAsync<string?>($"approving CertificateRequest {key}", async token =>
        {
            var read = (JsonElement)await connection.SendAsync((client, t) => Get(client, kind, key, t), token);
            var current = JsonNode.Parse(read.GetRawText())!.AsObject();
            var conditions = current["status"]?["conditions"] as JsonArray ?? [];
            if (conditions.Any(c => c?["type"]?.GetValue<string>() is ConditionTypes.Approved or ConditionTypes.Denied
                                    && c["status"]?.GetValue<string>() == ConditionStatus.True))
                return null; // already decided by someone
            // The rest of the status is the issuer's: the list goes back whole under the version it was read at, so a
            // write in between is a conflict (read again and retried), never lost.
            var next = new JsonArray([.. conditions.Where(c => c?["type"]?.GetValue<string>() != ConditionTypes.Approved).Select(c => c!.DeepClone()), condition.DeepClone()]);
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = current["metadata"]?["resourceVersion"]?.DeepClone() },
                ["status"] = new JsonObject { ["conditions"] = next },
            };
            var written = await connection.SendAsync((client, t) => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), kind.Group, kind.Version, key.Namespace, kind.Plural,
                key.Name, fieldManager: FieldManager, cancellationToken: t), token);
            return ApiObjects.ResourceVersionOf(written);
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

    public Task<string> ApplySecretAsync(SecretData secret, IReadOnlyCollection<string> removeKeys, bool likelyNew = false, CancellationToken ct = default)
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

        return Watched(connection, SecretSource.Name, key, () => connection.RunAsync($"writing Secret {key}", async token =>
        {
            if (!likelyNew)
            {
                try
                {
                    return (await Patch(token)).Metadata.ResourceVersion;
                }
                catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
                {
                }
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
                // It exists after all (or someone created it between our patch and create): patch it.
                return (await Patch(token)).Metadata.ResourceVersion;
            }
        }, ct));
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

    public Task<TResource> CreateResourceAsync<TResource>(ResourceKind kind, ObjectKey key, TResource resource,
        CancellationToken ct = default) where TResource : class
    {
        RequireCustomResource(kind);
        var connection = clusters[key.Cluster];
        var body = CreateBody(kind, key, resource);
        return connection.RunAsync($"creating {kind.Kind} {key}", async token =>
        {
            try
            {
                var created = await connection.SendAsync((client, t) => kind.Namespaced
                    ? client.CustomObjects.CreateNamespacedCustomObjectAsync(body, kind.Group, kind.Version,
                        key.Namespace, kind.Plural, fieldManager: FieldManager, cancellationToken: t)
                    : client.CustomObjects.CreateClusterCustomObjectAsync(body, kind.Group, kind.Version, kind.Plural,
                        fieldManager: FieldManager, cancellationToken: t), token);
                return ApiObjects.Read<TResource>(created);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsAlreadyExists: true })
            {
                // A retry after a lost answer, or another silo first: the stored one is the one this name stands for.
                return ApiObjects.Read<TResource>(await connection.SendAsync((client, t) => Get(client, kind, key, t), token));
            }
        }, ct);
    }

    public Task<string?> RemoveFinalizerAsync(ResourceKind kind, ObjectKey key, string finalizer, CancellationToken ct = default)
    {
        RequireCustomResource(kind);
        var connection = clusters[key.Cluster];
        return connection.RunAsync($"removing finalizer {finalizer} from {kind.Kind} {key}", async token =>
        {
            JsonElement current;
            try
            {
                current = (JsonElement)await connection.SendAsync((client, t) => Get(client, kind, key, t), token);
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return null;
            }
            var metadata = current.GetProperty("metadata");
            var finalizers = metadata.TryGetProperty("finalizers", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(item => item.GetString() ?? "").ToList()
                : [];
            if (!finalizers.Remove(finalizer))
                return null;

            // The resourceVersion makes this a conditional write: if the list changed since the read, the server
            // answers 409 and the retry reads again, so nobody else's finalizer is dropped.
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = metadata.GetProperty("resourceVersion").GetString(),
                    ["finalizers"] = finalizers.Count == 0 ? null : new JsonArray([.. finalizers.Select(name => JsonValue.Create(name))]),
                },
            };
            try
            {
                return ApiObjects.ResourceVersionOf(await connection.SendAsync((client, t) => Patch(client, kind, key,
                    new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), t), token));
            }
            catch (Exception exception) when (ApiError.From(exception) is { IsNotFound: true })
            {
                return null; // deleted in between: nothing left to hold
            }
        }, ct);
    }

    public Task RecordEventAsync(EventRecord record, CancellationToken ct = default) => events.RecordAsync(record, ct);

    /// <summary>
    /// A write whose echo the watch may drop (<see cref="OwnWrites"/>): its object's changes wait while it runs, and
    /// the version it produced is noted.
    /// </summary>
    private static Task<string> Watched(ClusterConnection connection, string resource, ObjectKey key, Func<Task<string>> write) =>
        Watched(connection, resource, key, write, version => version);

    private static async Task<T> Watched<T>(ClusterConnection connection, string resource, ObjectKey key, Func<Task<T>> write,
        Func<T, string?> versionOf)
    {
        connection.OwnWrites.Started(resource, key);
        string? version = null;
        try
        {
            var written = await write();
            version = versionOf(written);
            return written;
        }
        finally
        {
            connection.OwnWrites.Ended(resource, key, version);
        }
    }

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

    /// <summary>The resource as JSON under the key's name, without server-owned fields or status (written separately).</summary>
    private static JsonObject CreateBody<TResource>(ResourceKind kind, ObjectKey key, TResource resource)
    {
        var body = JsonSerializer.SerializeToNode(resource, ApiJson.Options)?.AsObject()
            ?? throw new ArgumentException($"a {kind.Kind} serializes to null", nameof(resource));
        body["apiVersion"] = kind.ApiVersion;
        body["kind"] = kind.Kind;
        body.Remove("status");
        if (body["metadata"] is not JsonObject metadata)
            body["metadata"] = metadata = new JsonObject();
        metadata["name"] = key.Name;
        if (kind.Namespaced)
            metadata["namespace"] = key.Namespace;
        else
            metadata.Remove("namespace");
        foreach (var serverOwned in new[] { "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp" })
            metadata.Remove(serverOwned);
        return body;
    }

    private static Task<object> Get(IKubernetes client, ResourceKind kind, ObjectKey key, CancellationToken ct) => kind.Namespaced
        ? client.CustomObjects.GetNamespacedCustomObjectAsync(kind.Group, kind.Version, key.Namespace, kind.Plural, key.Name, ct)
        : client.CustomObjects.GetClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, key.Name, ct);

    private static Task<object> Patch(IKubernetes client, ResourceKind kind, ObjectKey key, V1Patch patch, CancellationToken ct) =>
        kind.Namespaced
            ? client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, kind.Group, kind.Version, key.Namespace,
                kind.Plural, key.Name, fieldManager: FieldManager, cancellationToken: ct)
            : client.CustomObjects.PatchClusterCustomObjectAsync(patch, kind.Group, kind.Version, kind.Plural, key.Name,
                fieldManager: FieldManager, cancellationToken: ct);

    private static void RequireCustomResource(ResourceKind kind)
    {
        if (kind.Group.Length == 0)
            throw new NotSupportedException($"the bridge writes only custom resources this way, not core {kind.Plural}");
    }
}
