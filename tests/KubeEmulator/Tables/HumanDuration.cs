using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;
using System.Text.Json.Nodes;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>Ages as kubectl prints them ("45s", "5m20s", "3h", "2d5h"), following apimachinery's duration.HumanDuration.</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds; // truncates toward zero, as Go's int() does
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var rest = seconds % 60;
            return rest == 0 ? $"{minutes}m" : $"{minutes}m{rest}s";
        }
        if (minutes < 180)
        {
            return $"{minutes}m";
        }
        var hours = minutes / 60;
        if (hours < 8)
        {
            var rest = minutes % 60;
            return rest == 0 ? $"{hours}h" : $"{hours}h{rest}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            var rest = hours % 24;
            return rest == 0 ? $"{hours / 24}d" : $"{hours / 24}d{rest}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{days}d";
        }
        return $"{hours / 24 / 365}y";
    }

    /// <summary>The age of a timestamp node, or "&lt;unknown&gt;" when it is missing or unparsable.</summary>
    public static string Since(JsonNode? timestamp, DateTimeOffset now) =>
        TimeField.TryParse(timestamp.AsString(), out var time) ? Format(now - time) : "<unknown>";
}
