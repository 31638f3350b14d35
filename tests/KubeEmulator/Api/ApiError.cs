using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Api;

/// <summary>A failed request, answered with a metav1.Status body worded as the apiserver words it.</summary>
internal sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    /// <summary>Sent as the Retry-After header (429 and 503 answers), as the apiserver does.</summary>
    public int? RetryAfterSeconds { get; init; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (details is not null)
        {
            status["details"] = details.DeepClone();
        }
        status["code"] = Code;
        return status;
    }

    /// <summary>"secrets" for core resources, "certificates.cert-manager.io" otherwise.</summary>
    public static string QualifiedResource(string group, string plural) =>
        group.Length == 0 ? plural : $"{plural}.{group}";

    public static ApiError NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{QualifiedResource(group, plural)} \"{name}\" not found", Details(group, plural, name));

    public static ApiError AlreadyExists(string group, string plural, string name) =>
        new(409, "AlreadyExists", $"{QualifiedResource(group, plural)} \"{name}\" already exists", Details(group, plural, name));

    public static ApiError Conflict(string group, string plural, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {QualifiedResource(group, plural)} \"{name}\": {detail}",
            Details(group, plural, name));

    public const string ModifiedDetail =
        "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiError StaleResourceVersion(string group, string plural, string name) =>
        Conflict(group, plural, name, ModifiedDetail);

    /// <summary>422 for a kind; <paramref name="kind"/> is the Kind ("Widget"), not the resource.</summary>
    public static ApiError Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var distinct = errors.Select(e => e.ToString()).Distinct().ToList();
        var summary = distinct.Count == 1 ? distinct[0] : $"[{string.Join(", ", distinct)}]";
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Body, ["field"] = error.Field });
        }
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }
        details["kind"] = kind;
        details["causes"] = causes;
        return new ApiError(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    /// <summary>A patch that parsed but could not apply (NewGenericServerResponse with 422).</summary>
    public static ApiError RejectedPatch(string detail) =>
        new(422, "Invalid", "the server rejected our request due to an error in our request",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnexpectedServerResponse", ["message"] = detail }) });

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Forbidden(string message, JsonObject? details = null) => new(403, "Forbidden", message, details);

    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiError NoSuchPath() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiError UnsupportedMediaType(string contentType, IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnsupportedMediaType", ["message"] = contentType }) });

    public static ApiError Internal(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    private static JsonObject Details(string group, string plural, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }
        details["kind"] = plural;
        return details;
    }
}
