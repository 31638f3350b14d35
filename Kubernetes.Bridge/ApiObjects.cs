using System.Text.Json;
using CertFleet.Interfaces.Api;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>Reads the untyped objects the client returns for custom resources into the API records.</summary>
public static class ApiObjects
{
    public static T Read<T>(JsonElement element) =>
        element.Deserialize<T>(ApiJson.Options) ?? throw new JsonException($"the API server returned null for a {typeof(T).Name}");

    /// <summary>The client answers custom-object calls with <see cref="object"/>, which is a <see cref="JsonElement"/>.</summary>
    public static T Read<T>(object? body) => body is JsonElement element
        ? Read<T>(element)
        : throw new JsonException($"expected a JSON object for a {typeof(T).Name}, got {body?.GetType().Name ?? "nothing"}");

    /// <summary>metadata.resourceVersion of an object the client returned, or "" when it carries none.</summary>
    public static string ResourceVersionOf(object? body) =>
        body is JsonElement { ValueKind: JsonValueKind.Object } element
        && element.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("resourceVersion", out var version) && version.ValueKind == JsonValueKind.String
            ? version.GetString()!
            : "";
}
