using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Audit;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Selectors;
using CertFleet.KubeEmulator.Storage;
using CertFleet.KubeEmulator.Tables;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>The verbs on resource URLs: get, list, watch, create, update, patch, delete and deletecollection.</summary>
internal sealed class ResourceEndpoint(
    ResourceOperations operations, FaultInjector faults, EmulatorStats stats, WatchStream watches, AuditedClient? audited)
{
    private readonly ServiceAccountTokens _tokens = new(operations);

    /// <summary>POST /apis/authentication.k8s.io/v1/tokenreviews: create-only, stores nothing.</summary>
    public Task ReviewTokenAsync(HttpContext context)
    {
        if (context.Request.Method != "POST")
        {
            throw ApiError.MethodNotAllowed();
        }
        stats.CountWrite("create", "tokenreviews", null);
        return _tokens.ReviewAsync(context);
    }

    public async Task HandleAsync(HttpContext context, ResourcePath path, CancellationToken serverStopping)
    {
        if (!operations.Catalog.TryFind(path.Group, path.Version, path.Plural, out var type, out var version) ||
            (path.Namespace is not null && !type.Namespaced) ||
            (path.Subresource is { } subresource && !(subresource == "status" && version.HasStatus) &&
             !type.Strategy.ExtraSubresources.Contains(subresource)))
        {
            throw ApiError.NoSuchPath();
        }
        var query = new RequestQuery(context.Request.Query);
        var format = ResponseFormat.FromAccept(context.Request.Headers.Accept);
        var method = context.Request.Method;
        if (path.Name is null)
        {
            switch (method)
            {
                case "GET" when query.Watch:
                    await WatchAsync(context, type, version, path.Namespace, null, query, format, serverStopping);
                    return;
                case "GET":
                    await ListAsync(context, type, version, path.Namespace, query, format);
                    return;
                case "POST" when path.Namespace is not null || !type.Namespaced:
                    await CreateAsync(context, type, version, path.Namespace ?? "", query, format);
                    return;
                case "DELETE" when path.Namespace is not null || !type.Namespaced:
                    await DeleteCollectionAsync(context, type, version, path.Namespace, query);
                    return;
                default:
                    throw ApiError.MethodNotAllowed();
            }
        }
        if (type.Namespaced && path.Namespace is null)
        {
            throw ApiError.NoSuchPath();
        }
        var target = new ResourceTarget(type, version, path.Namespace ?? "", path.Name, path.Subresource);
        if (path.Subresource == ServiceAccountTokens.Subresource)
        {
            // TokenRequest is create-only and stores nothing.
            if (method != "POST")
            {
                throw ApiError.MethodNotAllowed();
            }
            stats.CountWrite("create", type.Plural, path.Subresource);
            ThrowIfFaulted(target, "create");
            await _tokens.CreateAsync(context, target);
            return;
        }
        switch (method)
        {
            case "GET" when query.Watch:
                await WatchAsync(context, type, version, path.Namespace, path.Name, query, format, serverStopping);
                break;
            case "GET":
                stats.CountRead();
                await WriteObjectAsync(context, 200, operations.Get(target), version, format, query.IncludeObject);
                break;
            case "PUT":
                await UpdateAsync(context, target, query, format);
                break;
            case "PATCH":
                await PatchAsync(context, target, query, format);
                break;
            case "DELETE":
                await DeleteAsync(context, target, query, format);
                break;
            default:
                throw ApiError.MethodNotAllowed();
        }
    }

    private async Task ListAsync(HttpContext context, ResourceType type, ServedVersion version, string? ns, RequestQuery query, ResponseFormat format)
    {
        stats.CountRead();
        var matches = Selection(version, query, null);
        var (items, revision) = operations.Store.Bucket(type.GroupResource).List(ns, matches);
        switch (format.Kind)
        {
            case OutputKind.Table:
                var table = TableDocument.Create(version.Table, items.Select(i => i.CloneAs(version.ApiVersion)),
                    Revision(revision), query.IncludeObject, withColumns: true, format.MetaApiVersion);
                await ResponseWriter.WriteAsync(context, 200, table, format.ContentType);
                break;
            case OutputKind.Metadata:
                var list = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadataList",
                    ["apiVersion"] = format.MetaApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Revision(revision) },
                    ["items"] = new JsonArray(items.Select(i => (JsonNode?)TableDocument.PartialObjectMetadata(i.Object)).ToArray()),
                };
                await ResponseWriter.WriteAsync(context, 200, list, format.ContentType);
                break;
            default:
                await ResponseWriter.WriteListAsync(context, type.ListKind, version.ApiVersion, revision,
                    items.Select(i => i.JsonAs(version.ApiVersion)).ToList());
                break;
        }
    }

    private async Task WatchAsync(
        HttpContext context, ResourceType type, ServedVersion version, string? ns, string? name, RequestQuery query,
        ResponseFormat format, CancellationToken serverStopping)
    {
        var timeout = query.TimeoutSeconds is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(30 * (1 + Random.Shared.NextDouble())); // the apiserver's default: 30-60 minutes
        var request = new WatchRequest(type, version, ns, Selection(version, query, name), query.WatchStart(),
            query.AllowWatchBookmarks, query.SendInitialEvents, timeout, format, query.IncludeObject);
        await watches.RunAsync(context, request, serverStopping);
    }

    private async Task CreateAsync(HttpContext context, ResourceType type, ServedVersion version, string ns, RequestQuery query, ResponseFormat format)
    {
        stats.CountWrite("create", type.Plural, null);
        var body = RequestBody.ReadObject(await RequestBody.ReadAsync(context), context.Request.ContentType);
        var target = new ResourceTarget(type, version, ns, ObjectMeta.Name(body));
        ThrowIfFaulted(target, "create");
        var decode = new DecodeContext(query.Validation);
        var result = operations.Create(target, body, query.WriteOptions, decode);
        audited?.Admitted(context, operations.Catalog, null, result.Object.Object);
        ResponseWriter.AddWarnings(context, decode.Warnings);
        await WriteObjectAsync(context, 201, result.Object, version, format, query.IncludeObject);
    }

    private async Task UpdateAsync(HttpContext context, ResourceTarget target, RequestQuery query, ResponseFormat format)
    {
        stats.CountWrite("update", target.Type.Plural, target.Subresource);
        var body = RequestBody.ReadObject(await RequestBody.ReadAsync(context), context.Request.ContentType);
        ThrowIfFaulted(target, "update");
        var decode = new DecodeContext(query.Validation);
        var before = Current(target);
        var result = operations.Update(target, body, query.WriteOptions, decode);
        audited?.Admitted(context, operations.Catalog, before, result.Object.Object);
        ResponseWriter.AddWarnings(context, decode.Warnings);
        await WriteObjectAsync(context, result.Created ? 201 : 200, result.Object, target.Version, format, query.IncludeObject);
    }

    private async Task PatchAsync(HttpContext context, ResourceTarget target, RequestQuery query, ResponseFormat format)
    {
        stats.CountWrite("patch", target.Type.Plural, target.Subresource);
        var kind = RequestBody.PatchKindOf(context.Request.ContentType, target.Type.IsCustomResource);
        var patch = RequestBody.ReadPatch(await RequestBody.ReadAsync(context), kind);
        ThrowIfFaulted(target, "patch");
        var decode = new DecodeContext(query.Validation);
        var before = Current(target);
        var result = operations.Patch(target, kind, patch, query.WriteOptions, decode);
        audited?.Admitted(context, operations.Catalog, before, result.Object.Object);
        ResponseWriter.AddWarnings(context, decode.Warnings);
        await WriteObjectAsync(context, result.Created ? 201 : 200, result.Object, target.Version, format, query.IncludeObject);
    }

    private async Task DeleteAsync(HttpContext context, ResourceTarget target, RequestQuery query, ResponseFormat format)
    {
        stats.CountWrite("delete", target.Type.Plural, target.Subresource);
        var options = await ReadDeleteOptionsAsync(context, query);
        ThrowIfFaulted(target, "delete");
        var result = operations.Delete(target, options);
        if (result.Removed && !target.Type.Strategy.ReturnDeletedObject)
        {
            await ResponseWriter.WriteAsync(context, 200, DeletedStatus(target.Type, result.Object));
            return;
        }
        var status = !result.Removed && options.OrphanDependents == false ? 202 : 200;
        await WriteObjectAsync(context, status, result.Object, target.Version, format, query.IncludeObject);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceType type, ServedVersion version, string? ns, RequestQuery query)
    {
        stats.CountWrite("deletecollection", type.Plural, null);
        var options = await ReadDeleteOptionsAsync(context, query);
        ThrowIfFaulted(new ResourceTarget(type, version, ns ?? "", ""), "deletecollection");
        var (items, _) = operations.Store.Bucket(type.GroupResource).List(ns, Selection(version, query, null));
        var deleted = new List<byte[]>();
        foreach (var item in items)
        {
            try
            {
                var result = operations.Delete(new ResourceTarget(type, version, item.Key.Namespace, item.Key.Name), options);
                deleted.Add(result.Object.JsonAs(version.ApiVersion));
            }
            catch (ApiError e) when (e.Code == 404)
            {
                // Deleted by someone else meanwhile.
            }
        }
        await ResponseWriter.WriteListAsync(context, type.ListKind, version.ApiVersion, operations.Store.CurrentRevision, deleted);
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext context, RequestQuery query)
    {
        var body = await RequestBody.ReadAsync(context);
        var json = body.Length == 0 ? null : RequestBody.ReadObject(body, context.Request.ContentType);
        return new DeleteOptions(
            PropagationPolicy: json?["propagationPolicy"].AsString() ?? query.Text("propagationPolicy"),
            Uid: json.StringAt("preconditions", "uid"),
            ResourceVersion: json.StringAt("preconditions", "resourceVersion"),
            DryRun: query.DryRun || json?["dryRun"].Strings().Contains("All") == true,
            OrphanDependents: json?["orphanDependents"].AsBool());
    }

    /// <summary>The object before an audited write, for the owner-references checks (null when nobody is audited).</summary>
    private JsonObject? Current(ResourceTarget target) =>
        audited is null ? null : operations.Store.Bucket(target.Type.GroupResource).Get(target.Key)?.Object;

    private void ThrowIfFaulted(ResourceTarget target, string verb)
    {
        if (faults.TakeWriteFault(target.Type.Group, target.Type.Plural, target.Subresource, target.Namespace, target.Name, verb) is { } error)
        {
            stats.CountFault();
            throw error;
        }
    }

    private static Func<StoredObject, bool> Selection(ServedVersion version, RequestQuery query, string? name)
    {
        var labels = LabelSelector.Parse(query.LabelSelector);
        var fields = FieldSelector.Parse(query.FieldSelector, version.FieldLabels);
        if (labels.IsEmpty && fields.IsEmpty)
        {
            return name is null ? static _ => true : o => o.Key.Name == name;
        }
        return o => (name is null || o.Key.Name == name) && labels.Matches(o.Labels) && fields.Matches(o.Object, version.FieldLabels);
    }

    private static Task WriteObjectAsync(HttpContext context, int status, StoredObject obj, ServedVersion version, ResponseFormat format, IncludeObject include) =>
        format.Kind switch
        {
            OutputKind.Table => ResponseWriter.WriteAsync(context, status,
                TableDocument.Create(version.Table, [obj.CloneAs(version.ApiVersion)], Revision(obj.ResourceVersion), include, true, format.MetaApiVersion),
                format.ContentType),
            OutputKind.Metadata => ResponseWriter.WriteAsync(context, status, TableDocument.PartialObjectMetadata(obj.Object), format.ContentType),
            _ => ResponseWriter.WriteAsync(context, status, obj.JsonAs(version.ApiVersion)),
        };

    private static JsonObject DeletedStatus(ResourceType type, StoredObject obj)
    {
        var details = new JsonObject { ["name"] = obj.Key.Name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }
        details["kind"] = type.Plural;
        details["uid"] = obj.Uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private static string Revision(long revision) => revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
