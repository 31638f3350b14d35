using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using Microsoft.AspNetCore.Http;

namespace CertFleet.KubeEmulator.Api;

/// <summary>Writes JSON responses, list envelopes around pre-serialized items, Status errors and warnings.</summary>
internal static class ResponseWriter
{
    private static readonly byte[] Comma = ","u8.ToArray();

    public static Task WriteAsync(HttpContext context, int status, JsonNode body, string contentType = "application/json") =>
        WriteAsync(context, status, JsonTree.ToBytes(body), contentType);

    public static async Task WriteAsync(HttpContext context, int status, byte[] body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        return WriteAsync(context, error.Code, error.ToStatus());
    }

    /// <summary>
    /// A {Kind}List whose items are already serialized, written without re-parsing them: the common case of a
    /// controller's full list stays a byte copy.
    /// </summary>
    public static async Task WriteListAsync(HttpContext context, string listKind, string apiVersion, long resourceVersion, IReadOnlyList<byte[]> items)
    {
        var header = Encoding.UTF8.GetBytes(
            $"{{\"kind\":{JsonTree.ToText(JsonValue.Create(listKind))},\"apiVersion\":{JsonTree.ToText(JsonValue.Create(apiVersion))}," +
            $"\"metadata\":{{\"resourceVersion\":\"{resourceVersion.ToString(CultureInfo.InvariantCulture)}\"}},\"items\":[");
        var footer = "]}"u8.ToArray();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = header.Length + footer.Length + items.Sum(i => i.Length) + Math.Max(0, items.Count - 1);
        var writer = context.Response.BodyWriter;
        writer.Write(header);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(Comma);
            }
            writer.Write(items[i]);
        }
        writer.Write(footer);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>Adds "Warning: 299 - ..." headers, as the apiserver does for unknown fields under fieldValidation=Warn.</summary>
    public static void AddWarnings(HttpContext context, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings.Distinct())
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");
        }
    }
}
