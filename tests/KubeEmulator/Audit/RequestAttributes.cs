using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Audit;

/// <summary>
/// What kube-apiserver's request-info resolution makes of a request before it asks the authorizer: GET on a collection
/// is list (watch with watch=true), DELETE on a collection is deletecollection, a metadata.name field selector names
/// the object, /namespaces/{name} is in namespace {name}, and paths that are not resource paths (discovery, /version,
/// /openapi, ...) are non-resource URLs.
/// </summary>
internal static class RequestAttributes
{
    /// <summary>Namespace subresources, which are not resources inside the namespace.</summary>
    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    public static AccessRecord Resolve(string user, HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new AccessRecord(user, request.Method.ToLowerInvariant(), NonResourceUrl: path);
        // /api/{version}/... and /apis/{group}/{version}/...; shorter paths are discovery.
        int rest;
        var group = "";
        if (parts is ["api", _, _, ..])
        {
            rest = 2;
        }
        else if (parts is ["apis", var named, _, _, ..])
        {
            group = named;
            rest = 3;
        }
        else
        {
            return nonResource;
        }
        var tail = parts[rest..];
        string? ns = null;
        if (tail[0] == "namespaces" && tail.Length > 1)
        {
            ns = tail[1];
            if (tail.Length > 2 && !NamespaceSubresources.Contains(tail[2]))
            {
                tail = tail[2..];
            }
        }
        var resource = tail[0];
        var name = tail.Length >= 2 ? tail[1] : null;
        var subresource = tail.Length >= 3 ? tail[2] : null;
        var verb = request.Method switch
        {
            "POST" => "create",
            "GET" or "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        };
        if (name is null && verb == "get")
        {
            verb = IsTrue(request.Query["watch"]) ? "watch" : "list";
            name = ExactName(request.Query["fieldSelector"]);
        }
        else if (name is not null && verb == "get" && IsTrue(request.Query["watch"]))
        {
            verb = "watch"; // the legacy single-object watch, as /watch/{...}/{name} would be
        }
        if (name is null && verb == "delete")
        {
            verb = "deletecollection";
        }
        return new AccessRecord(user, verb, group, resource, subresource, ns, name);
    }

    /// <summary>The name a field selector pins with metadata.name=x (or ==x), as RBAC's resourceNames may match it.</summary>
    private static string? ExactName(string? selector)
    {
        foreach (var term in (selector ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = term.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || term[at - 1] == '!')
            {
                continue;
            }
            var value = term[(at + 1)..].TrimStart('=');
            if (term[..at].Trim() == "metadata.name" && value.Length > 0)
            {
                return value;
            }
        }
        return null;
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";
}
