using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Resources;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Audit;

/// <summary>Marks a request as made by the audited client, and records what RBAC would be asked for it.</summary>
internal sealed class AuditedClient(string user, AccessLog log)
{
    private static readonly object Key = new();

    public AccessLog Log => log;

    /// <summary>The user name this client's requests are authorized as.</summary>
    public string User => user;

    /// <summary>Records the request's own authorization and remembers it for the checks its outcome adds.</summary>
    public void Begin(HttpContext context)
    {
        var request = RequestAttributes.Resolve(user, context.Request);
        context.Items[Key] = request;
        log.Record(request);
    }

    /// <summary>The audited request's own record; null for any other client.</summary>
    public static AccessRecord? Of(HttpContext context) => context.Items.TryGetValue(Key, out var value) ? value as AccessRecord : null;

    /// <summary>What the owner-references admission plugin asks for a write of the audited client that succeeded.</summary>
    public void Admitted(HttpContext context, ResourceCatalog catalog, JsonObject? before, JsonObject after)
    {
        if (Of(context) is { Subresource: null } request)
        {
            foreach (var check in OwnerReferenceChecks.For(request, catalog, before, after))
            {
                log.Record(check);
            }
        }
    }

    /// <summary>After the response: an update or patch that created the object was also authorized as create.</summary>
    public void End(HttpContext context)
    {
        if (Of(context) is { Verb: "update" or "patch" } request && context.Response.StatusCode == StatusCodes.Status201Created)
        {
            log.Record(request with { Verb = "create", Check = AccessRecord.Checks.CreateOnUpdate });
        }
    }
}
