using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>What the API server (or the way to it) said when a request failed, in the terms retries are decided on.</summary>
public sealed record ApiError(int StatusCode, string Reason, string Message)
{
    /// <summary>Status code used for transport failures and timeouts: no answer from the server.</summary>
    public const int NoAnswer = 0;

    public bool IsNotFound => StatusCode == (int)HttpStatusCode.NotFound;
    public bool IsAlreadyExists => StatusCode == (int)HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>An optimistic-concurrency conflict: re-read and try again.</summary>
    public bool IsConflict => StatusCode == (int)HttpStatusCode.Conflict && Reason != "AlreadyExists";

    public bool IsExpired => StatusCode == (int)HttpStatusCode.Gone;

    /// <summary>Worth another attempt: the server was busy or broken, or never answered.</summary>
    public bool IsTransient => StatusCode is NoAnswer or 429 or >= 500;

    /// <summary>Classifies a failure of a client call; null for errors that are ours (bugs, cancellation by the caller).</summary>
    public static ApiError? From(Exception exception) => exception switch
    {
        HttpOperationException http => FromResponse((int)http.Response.StatusCode, http.Response.Content),
        KubernetesException { Status: { } status } =>
            new ApiError(status.Code ?? NoAnswer, status.Reason ?? "", status.Message ?? exception.Message),
        HttpRequestException or IOException => new ApiError(NoAnswer, "Transport", exception.Message),
        TimeoutException => new ApiError(NoAnswer, "Timeout", exception.Message),
        _ => null,
    };

    private static ApiError FromResponse(int statusCode, string? content)
    {
        // Kubernetes answers errors with a Status object; anything else (a proxy's HTML page) is kept short.
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                using var document = JsonDocument.Parse(content);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                    return new ApiError(statusCode, StringOf(root, "reason"), StringOf(root, "message"));
            }
            catch (JsonException)
            {
            }
        }
        var text = content?.Trim() ?? "";
        return new ApiError(statusCode, "", text.Length > 200 ? text[..200] : text);
    }

    private static string StringOf(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>"the API server answered 500 (etcdserver: leader changed)", or the transport failure.</summary>
    public string Describe() => StatusCode == NoAnswer
        ? $"the API server did not answer ({Message})"
        : Message.Length == 0
            ? $"the API server answered {StatusCode}"
            : $"the API server answered {StatusCode} ({Message})";
}
