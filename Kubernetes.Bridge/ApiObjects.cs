using System.Text.Json;
using CertFleet.Interfaces.Api;

namespace CertFleet.Kubernetes.Bridge;

/// <summary>Reads the untyped objects the client returns for custom resources into the API records.</summary>
public static class ApiObjects
{
    public static T Read<T>(object? body) => body switch
    {
        JsonElement element => element.Deserialize<T>(ApiJson.Options)
                               ?? throw new JsonException($"the API server returned null for a {typeof(T).Name}"),
        _ => throw new JsonException($"expected a JSON object for a {typeof(T).Name}, got {body?.GetType().Name ?? "nothing"}"),
    };
}
