using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>The string formats kube-openapi checks; unknown formats always pass, as they do there.</summary>
internal static partial class FormatChecks
{
    public static bool IsValid(string format, string text) => format switch
    {
        "date-time" or "datetime" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) && text.Contains('T', StringComparison.OrdinalIgnoreCase),
        "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "byte" => IsBase64(text),
        "uuid" => Guid.TryParseExact(text, "D", out _),
        "ipv4" => IPAddress.TryParse(text, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "cidr" => IPNetwork.TryParse(text, out _),
        "hostname" => HostnamePattern().IsMatch(text) && text.Length <= 255,
        "email" => EmailPattern().IsMatch(text),
        "uri" => Uri.TryCreate(text, UriKind.Absolute, out _),
        _ => true,
    };

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    [GeneratedRegex(@"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+$")]
    private static partial Regex EmailPattern();
}
