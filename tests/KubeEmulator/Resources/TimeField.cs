using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// A metav1.Time (seconds) or metav1.MicroTime (microseconds) field of a built-in kind. The apiserver decodes and
/// re-encodes these, so a client's "12:00:00.123456Z" is stored as "12:00:00Z" in a Time field.
/// </summary>
/// <param name="Path">Dotted path; "[]" after a key walks every element of that list.</param>
internal sealed record TimeField(string Path, bool Micro = false)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string MicroTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static string FormatMicroTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(MicroTimeFormat, CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    /// <summary>Rewrites every value at this path in canonical form; an unparsable time is a 400.</summary>
    public void Normalize(JsonObject root) => Visit(root, Path.Split('.'), 0);

    private void Visit(JsonNode? node, string[] segments, int index)
    {
        if (node is not JsonObject obj)
        {
            return;
        }
        var segment = segments[index];
        var isList = segment.EndsWith("[]", StringComparison.Ordinal);
        var key = isList ? segment[..^2] : segment;
        if (!obj.TryGetPropertyValue(key, out var child) || child is null)
        {
            return;
        }
        if (isList)
        {
            if (child is JsonArray items)
            {
                foreach (var item in items)
                {
                    Visit(item, segments, index + 1);
                }
            }
            return;
        }
        if (index < segments.Length - 1)
        {
            Visit(child, segments, index + 1);
            return;
        }
        var text = child.AsString();
        if (!TryParse(text, out var time))
        {
            throw ApiError.BadRequest(
                $"parsing time {FieldError.GoQuote(text ?? JsonTree.ToText(child))} as \"2006-01-02T15:04:05Z07:00\": cannot parse");
        }
        obj[key] = Micro ? FormatMicroTime(time) : FormatTime(time);
    }
}
