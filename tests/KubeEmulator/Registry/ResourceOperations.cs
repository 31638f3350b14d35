using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Patching;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Registry;

/// <summary>
/// The generic registry: create, update, patch and delete with the apiserver's rules (resourceVersion
/// preconditions, status subresource, generation, finalizers, no-op detection), shared by the HTTP layer and the
/// emulator's own controllers. Updates are optimistic: compute outside the lock, commit if nobody wrote meanwhile.
/// </summary>
/// <param name="clock">The server's clock, for the timestamps it writes (a test may skew it).</param>
internal sealed class ResourceOperations(ObjectStore store, ResourceCatalog catalog, TimeProvider clock)
{
    private const int MaxAttempts = 32;
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Fields the server owns; whatever a client sends for them is replaced.</summary>
    private static readonly string[] ServerOwnedMetadata =
        ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"];

    public ObjectStore Store => store;

    public ResourceCatalog Catalog => catalog;

    public StoredObject Get(ResourceTarget target) =>
        store.Bucket(target.Type.GroupResource).Get(target.Key) ?? throw NotFound(target);

    public WriteResult Create(ResourceTarget target, JsonObject body, WriteOptions options, DecodeContext decode)
    {
        ObjectMetaValidation.CheckShape(body);
        CheckKind(body, target);
        ApplyNamespace(body, target);
        if (ObjectMeta.ResourceVersion(body).Length > 0)
        {
            throw ApiError.BadRequest("resourceVersion should not be set on objects to be created");
        }
        return CreateCore(target, body, options, decode);
    }

    public WriteResult Update(ResourceTarget target, JsonObject body, WriteOptions options, DecodeContext decode)
    {
        ObjectMetaValidation.CheckShape(body);
        CheckKind(body, target);
        CheckName(body, target);
        ApplyNamespace(body, target);
        var requested = ObjectMeta.ResourceVersion(body);
        var bucket = store.Bucket(target.Type.GroupResource);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = bucket.Get(target.Key);
            if (current is null)
            {
                if (target.Subresource is not null || !target.Type.Strategy.AllowCreateOnUpdate)
                {
                    throw NotFound(target);
                }
                var fresh = (JsonObject)body.DeepClone();
                ObjectMeta.Of(fresh).Remove("resourceVersion");
                if (TryCreateOnUpdate(target, fresh, options, decode) is { } created)
                {
                    return created;
                }
                continue;
            }
            if (requested.Length == 0 && !target.Type.Strategy.AllowUnconditionalUpdate)
            {
                throw ApiError.Invalid(target.Type.Group, target.Type.Kind, target.Name,
                    [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]);
            }
            if (requested.Length > 0 && requested != Revision(current))
            {
                throw ApiError.StaleResourceVersion(target.Type.Group, target.Type.Plural, target.Name);
            }
            if (TryUpdateFrom(target, current, (JsonObject)body.DeepClone(), options, decode, isApply: false) is { } result)
            {
                return result;
            }
        }
        throw ApiError.StaleResourceVersion(target.Type.Group, target.Type.Plural, target.Name);
    }

    public WriteResult Patch(ResourceTarget target, PatchKind kind, JsonNode? patch, WriteOptions options, DecodeContext decode)
    {
        var jsonPatch = kind == PatchKind.Json ? JsonPatchDocument.Parse(patch) : null;
        ApplyRequest? apply = null;
        if (kind == PatchKind.Apply)
        {
            apply = PrepareApply(target, patch, options);
        }
        else if (kind is PatchKind.Merge or PatchKind.Strategic && patch is not JsonObject)
        {
            throw ApiError.BadRequest("json: cannot unmarshal into Go value of type map[string]interface {}: the patch must be a JSON object");
        }
        var bucket = store.Bucket(target.Type.GroupResource);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = bucket.Get(target.Key);
            if (current is null)
            {
                if (apply is null || target.Subresource is not null)
                {
                    throw NotFound(target);
                }
                var config = ServerSideApply.Apply(null, (JsonObject)patch!, apply);
                ObjectMeta.Of(config)["name"] = target.Name;
                ObjectMeta.Of(config).Remove("resourceVersion");
                ApplyNamespace(config, target);
                if (TryCreateOnUpdate(target, config, options, decode) is { } created)
                {
                    return created;
                }
                continue;
            }
            var view = current.CloneAs(target.Version.ApiVersion);
            var candidate = kind switch
            {
                PatchKind.Merge => JsonMergePatch.Apply(view, patch),
                PatchKind.Json => jsonPatch!.Apply(view),
                PatchKind.Strategic => StrategicMergePatch.Apply(view, patch, target.Type.Shapes),
                _ => ServerSideApply.Apply(view, (JsonObject)patch!, apply!),
            } as JsonObject ?? throw ApiError.BadRequest("the patch did not produce an object");
            var requested = ObjectMeta.ResourceVersion(candidate);
            if (requested.Length > 0 && requested != Revision(current))
            {
                throw ApiError.StaleResourceVersion(target.Type.Group, target.Type.Plural, target.Name);
            }
            ObjectMetaValidation.CheckShape(candidate);
            CheckKind(candidate, target);
            CheckName(candidate, target);
            ApplyNamespace(candidate, target);
            if (TryUpdateFrom(target, current, candidate, options, decode, isApply: apply is not null) is { } result)
            {
                return result;
            }
        }
        throw ApiError.StaleResourceVersion(target.Type.Group, target.Type.Plural, target.Name);
    }

    public DeleteResult Delete(ResourceTarget target, DeleteOptions options)
    {
        var type = target.Type;
        var policy = options.PropagationPolicy ?? (options.OrphanDependents == true ? "Orphan" : "Background");
        if (policy is not ("Background" or "Foreground" or "Orphan"))
        {
            throw ApiError.Invalid("meta.k8s.io", "DeleteOptions", "",
                [FieldError.NotSupported("propagationPolicy", JsonValue.Create(policy), ["Foreground", "Background", "Orphan"])]);
        }
        var bucket = store.Bucket(type.GroupResource);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = bucket.Get(target.Key) ?? throw NotFound(target);
            if (options.Uid is { Length: > 0 } uid && uid != current.Uid)
            {
                throw ApiError.Conflict(type.Group, type.Plural, target.Name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
            }
            if (options.ResourceVersion is { Length: > 0 } rv && rv != Revision(current))
            {
                throw ApiError.Conflict(type.Group, type.Plural, target.Name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Revision(current)}");
            }
            var finalizers = current.Finalizers.ToList();
            var propagation = policy switch
            {
                "Foreground" => GarbageCollectionFinalizers.Foreground,
                "Orphan" => GarbageCollectionFinalizers.Orphan,
                _ => null,
            };
            if (propagation is not null && !finalizers.Contains(propagation))
            {
                finalizers.Add(propagation);
            }
            var held = finalizers.Count > 0 || type.Strategy.HoldsDeletion(current.Object);
            if (current.IsTerminating && finalizers.Count == current.Finalizers.Count)
            {
                return new DeleteResult(current, false);
            }
            if (held)
            {
                var next = (JsonObject)current.Object.DeepClone();
                var metadata = ObjectMeta.Of(next);
                if (!current.IsTerminating)
                {
                    metadata["deletionTimestamp"] = TimeField.FormatTime(clock.GetUtcNow());
                    metadata["deletionGracePeriodSeconds"] = 0;
                    if (ObjectMeta.Generation(next) > 0)
                    {
                        metadata["generation"] = ObjectMeta.Generation(next) + 1;
                    }
                    type.Strategy.PrepareForDeletion(next);
                }
                ObjectMeta.SetFinalizers(next, finalizers);
                ObjectLayout.Canonicalize(next);
                if (options.DryRun)
                {
                    return new DeleteResult(new StoredObject(next, current.ResourceVersion), false);
                }
                if (bucket.TryUpdate(current, next, out var marked))
                {
                    return new DeleteResult(marked, false);
                }
                continue;
            }
            if (options.DryRun)
            {
                return new DeleteResult(current, true);
            }
            if (bucket.TryDelete(current, (JsonObject)current.Object.DeepClone(), out _))
            {
                // The answer is the object as it was; the DELETED event carries the deletion's resourceVersion.
                return new DeleteResult(current, true);
            }
        }
        throw ApiError.StaleResourceVersion(type.Group, type.Plural, target.Name);
    }

    private WriteResult? TryCreateOnUpdate(ResourceTarget target, JsonObject body, WriteOptions options, DecodeContext decode)
    {
        try
        {
            return CreateCore(target, body, options, decode);
        }
        catch (ApiError e) when (e.Reason == "AlreadyExists")
        {
            return null; // created concurrently: retry as an update
        }
    }

    private WriteResult CreateCore(ResourceTarget target, JsonObject body, WriteOptions options, DecodeContext decode)
    {
        var (type, version) = (target.Type, target.Version);
        type.Strategy.Decode(version, body, decode);
        body["apiVersion"] = type.Storage.ApiVersion;
        var metadata = ObjectMeta.Of(body);
        var managedFields = metadata["managedFields"]?.DeepClone();
        foreach (var field in ServerOwnedMetadata)
        {
            metadata.Remove(field);
        }
        if (version.HasStatus)
        {
            body.Remove("status");
        }
        type.Strategy.PrepareForCreate(body);
        var generateName = metadata["generateName"].AsString() ?? "";
        var generated = ObjectMeta.Name(body).Length == 0 && generateName.Length > 0;
        if (generated)
        {
            metadata["name"] = GenerateName(generateName);
        }
        Validate(target, body, null);
        if (type.Namespaced)
        {
            CheckNamespaceAcceptsContent(target);
        }
        CheckDefinitionActive(type);
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = TimeField.FormatTime(clock.GetUtcNow());
        if (type.Strategy.Generation != GenerationPolicy.None)
        {
            metadata["generation"] = 1;
        }
        if (managedFields is not null)
        {
            metadata["managedFields"] = managedFields;
        }
        ObjectLayout.Canonicalize(body);
        if (options.DryRun)
        {
            return new WriteResult(new StoredObject(body, 0), true);
        }
        var bucket = store.Bucket(type.GroupResource);
        for (var attempt = 0; ; attempt++)
        {
            if (bucket.TryCreate(body, out var stored))
            {
                return new WriteResult(stored, true);
            }
            if (!generated || attempt >= 8)
            {
                throw ApiError.AlreadyExists(type.Group, type.Plural, ObjectMeta.Name(body));
            }
            metadata["name"] = GenerateName(generateName);
        }
    }

    /// <summary>Builds the next version from a candidate and commits it; null when someone else committed first.</summary>
    private WriteResult? TryUpdateFrom(ResourceTarget target, StoredObject current, JsonObject candidate, WriteOptions options, DecodeContext decode, bool isApply)
    {
        var (type, version) = (target.Type, target.Version);
        var uid = ObjectMeta.Uid(candidate);
        if (uid.Length > 0 && uid != current.Uid)
        {
            throw ApiError.Conflict(type.Group, type.Plural, target.Name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
        }
        type.Strategy.Decode(version, candidate, decode);
        candidate["apiVersion"] = type.Storage.ApiVersion;
        var old = current.Object;
        JsonObject next;
        switch (target.Subresource)
        {
            case null:
                next = candidate;
                CopyServerMetadata(old, next);
                if (version.HasStatus)
                {
                    CopyField(old, next, "status");
                }
                type.Strategy.PrepareForUpdate(next, old);
                break;
            case "status":
                next = (JsonObject)old.DeepClone();
                CopyField(candidate, next, "status");
                if (isApply)
                {
                    ObjectMeta.Of(next)["managedFields"] = candidate.At("metadata", "managedFields")?.DeepClone();
                }
                break;
            default:
                next = (JsonObject)old.DeepClone();
                type.Strategy.UpdateSubresource(target.Subresource, next, candidate);
                break;
        }
        if (!isApply)
        {
            ServerSideApply.ReleaseChangedFields(old, next);
        }
        Validate(target, next, old);
        if (type.Strategy.Generation != GenerationPolicy.None && GenerationChanged(type.Strategy.Generation, version.HasStatus, old, next))
        {
            ObjectMeta.Of(next)["generation"] = ObjectMeta.Generation(old) + 1;
        }
        ObjectMeta.Of(next)["resourceVersion"] = Revision(current);
        ObjectLayout.Canonicalize(next);
        if (JsonTree.DeepEquals(old, next))
        {
            return new WriteResult(current, false);
        }
        if (options.DryRun)
        {
            return new WriteResult(new StoredObject(next, current.ResourceVersion), false);
        }
        var bucket = store.Bucket(type.GroupResource);
        if (ObjectMeta.IsTerminating(next) && ObjectMeta.Finalizers(next).Count == 0 && !type.Strategy.HoldsDeletion(next))
        {
            // As in the apiserver, the update is not written: the stored object is deleted (its DELETED event still
            // lists the finalizers it had) and the caller gets the object it sent.
            return bucket.TryDelete(current, (JsonObject)old.DeepClone(), out _)
                ? new WriteResult(new StoredObject(next, current.ResourceVersion), false)
                : null;
        }
        return bucket.TryUpdate(current, next, out var stored) ? new WriteResult(stored, false) : null;
    }

    private ApplyRequest PrepareApply(ResourceTarget target, JsonNode? patch, WriteOptions options)
    {
        if (string.IsNullOrEmpty(options.FieldManager))
        {
            throw ApiError.Invalid("meta.k8s.io", "PatchOptions", "",
                [FieldError.Required("fieldManager", "is required for apply patch")]);
        }
        if (patch is not JsonObject config)
        {
            throw ApiError.BadRequest("error decoding YAML: the apply configuration must be an object");
        }
        if (string.IsNullOrEmpty(config["apiVersion"].AsString()) || string.IsNullOrEmpty(config["kind"].AsString()))
        {
            throw ApiError.BadRequest("invalid object type: apiVersion and kind must be set in an apply configuration");
        }
        CheckKind(config, target);
        CheckName(config, target);
        return new ApplyRequest(options.FieldManager, options.Force, target.Subresource, target.Version.ApiVersion, target.Type.Shapes);
    }

    private void Validate(ResourceTarget target, JsonObject obj, JsonObject? old)
    {
        var errors = new List<FieldError>();
        ObjectMetaValidation.Validate(obj, target.Type.Strategy.NameRule, errors);
        if (old is not null)
        {
            ObjectMetaValidation.ValidateUpdate(obj, old, errors);
        }
        target.Type.Strategy.Validate(target.Version, obj, old, errors);
        if (errors.Count > 0)
        {
            throw ApiError.Invalid(target.Type.Group, target.Type.Kind, ObjectMeta.Name(obj), errors);
        }
    }

    private static bool GenerationChanged(GenerationPolicy policy, bool hasStatus, JsonObject old, JsonObject next)
    {
        if (policy == GenerationPolicy.Spec)
        {
            return !JsonTree.DeepEquals(old["spec"], next["spec"]);
        }
        bool Counts(string key) => key != "metadata" && !(hasStatus && key == "status");
        var keys = old.Select(p => p.Key).Concat(next.Select(p => p.Key)).Where(Counts).Distinct();
        return keys.Any(k => !JsonTree.DeepEquals(old[k], next[k]));
    }

    private static void CopyServerMetadata(JsonObject old, JsonObject next)
    {
        var from = ObjectMeta.Of(old);
        var to = ObjectMeta.Of(next);
        foreach (var field in ServerOwnedMetadata)
        {
            CopyField(from, to, field);
        }
        if (to["managedFields"] is null)
        {
            CopyField(from, to, "managedFields");
        }
    }

    private static void CopyField(JsonObject from, JsonObject to, string key)
    {
        if (from[key] is { } value)
        {
            to[key] = value.DeepClone();
        }
        else
        {
            to.Remove(key);
        }
    }

    private static void CheckKind(JsonObject body, ResourceTarget target)
    {
        var apiVersion = body["apiVersion"].AsString();
        if (string.IsNullOrEmpty(apiVersion))
        {
            body["apiVersion"] = target.Version.ApiVersion;
        }
        else if (apiVersion != target.Version.ApiVersion)
        {
            throw ApiError.BadRequest(
                $"the API version in the data ({apiVersion}) does not match the expected API version ({target.Version.ApiVersion})");
        }
        var kind = body["kind"].AsString();
        if (string.IsNullOrEmpty(kind))
        {
            body["kind"] = target.Type.Kind;
        }
        else if (kind != target.Type.Kind)
        {
            throw ApiError.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({target.Type.Kind})");
        }
    }

    private static void CheckName(JsonObject body, ResourceTarget target)
    {
        var name = ObjectMeta.Name(body);
        if (name != target.Name)
        {
            throw ApiError.BadRequest($"the name of the object ({name}) does not match the name on the URL ({target.Name})");
        }
    }

    private static void ApplyNamespace(JsonObject body, ResourceTarget target)
    {
        var metadata = ObjectMeta.Of(body);
        if (!target.Type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }
        var ns = ObjectMeta.Namespace(body);
        if (ns.Length > 0 && ns != target.Namespace)
        {
            throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        metadata["namespace"] = target.Namespace;
    }

    private void CheckNamespaceAcceptsContent(ResourceTarget target)
    {
        var ns = store.Bucket("namespaces").Get(new ObjectKey("", target.Namespace));
        if (ns is null)
        {
            throw ApiError.NotFound("", "namespaces", target.Namespace);
        }
        if (ns.IsTerminating)
        {
            var name = target.Name.Length > 0 ? target.Name : "";
            throw ApiError.Forbidden(
                $"{ApiError.QualifiedResource(target.Type.Group, target.Type.Plural)} \"{name}\" is forbidden: unable to create new content in namespace {target.Namespace} because it is being terminated",
                new JsonObject
                {
                    ["name"] = name,
                    ["kind"] = target.Type.Plural,
                    ["causes"] = new JsonArray(new JsonObject
                    {
                        ["reason"] = "NamespaceTerminating",
                        ["message"] = $"namespace {target.Namespace} is being terminated",
                        ["field"] = "metadata.namespace",
                    }),
                });
        }
    }

    /// <summary>A custom resource whose CRD is being deleted accepts no new objects.</summary>
    private void CheckDefinitionActive(ResourceType type)
    {
        if (type.IsCustomResource &&
            store.Bucket(CustomResourceDefinitionStrategy.GroupResource).Get(new ObjectKey("", type.GroupResource)) is { IsTerminating: true })
        {
            throw new ApiError(405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating");
        }
    }

    private static string GenerateName(string prefix)
    {
        var trimmed = prefix.Length > 58 ? prefix[..58] : prefix;
        var suffix = string.Create(5, 0, (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = NameAlphabet[RandomNumberGenerator.GetInt32(NameAlphabet.Length)];
            }
        });
        return trimmed + suffix;
    }

    private static string Revision(StoredObject obj) => obj.ResourceVersion.ToString(CultureInfo.InvariantCulture);

    private static ApiError NotFound(ResourceTarget target) =>
        ApiError.NotFound(target.Type.Group, target.Type.Plural, target.Name);
}
