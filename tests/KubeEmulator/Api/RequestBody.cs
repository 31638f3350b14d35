using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Protobuf;
using CertFleet.KubeEmulator.Registry;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>Reads request bodies: size limit, media type, JSON or YAML.</summary>
internal static class RequestBody
{
    /// <summary>The apiserver's request size limit.</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    private static readonly string[] PatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

    private static readonly string[] CustomResourcePatchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

    public static async Task<byte[]> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new ApiError(413, "RequestEntityTooLarge", $"Request entity too large: limit is {MaxBytes}");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>An object body of POST or PUT, JSON or YAML by Content-Type.</summary>
    public static JsonObject ReadObject(byte[] body, string? contentType)
    {
        var media = MediaType(contentType);
        var node = media switch
        {
            "" or "application/json" or "*/*" => ParseJson(body),
            "application/yaml" => ParseYaml(body),
            KubernetesProtobuf.MediaType => KubernetesProtobuf.Decode(body),
            _ => throw ApiError.UnsupportedMediaType(media, ["application/json", "application/yaml", KubernetesProtobuf.MediaType]),
        };
        return node as JsonObject ?? throw ApiError.BadRequest(
            node is null ? "Object 'Kind' is missing in ''" : "json: cannot unmarshal into Go value of type an object: the body must be a JSON object");
    }

    /// <summary>The patch format a Content-Type names; strategic merge is refused for custom resources, as there.</summary>
    public static PatchKind PatchKindOf(string? contentType, bool isCustomResource)
    {
        var media = MediaType(contentType);
        var accepted = isCustomResource ? CustomResourcePatchTypes : PatchTypes;
        if (!accepted.Contains(media))
        {
            throw ApiError.UnsupportedMediaType(media, accepted);
        }
        return media switch
        {
            "application/json-patch+json" => PatchKind.Json,
            "application/merge-patch+json" => PatchKind.Merge,
            "application/strategic-merge-patch+json" => PatchKind.Strategic,
            _ => PatchKind.Apply,
        };
    }

    public static JsonNode? ReadPatch(byte[] body, PatchKind kind) =>
        kind == PatchKind.Apply ? ParseYaml(body) : ParseJson(body);

    private static JsonNode? ParseJson(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonTree.Parse(body);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiError.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
    }

    /// <summary>YAML, of which JSON is a subset.</summary>
    private static JsonNode? ParseYaml(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return ParseJson(body);
        }
        try
        {
            return YamlDocument.Parse(text);
        }
        catch (FormatException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }

    private static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
}
