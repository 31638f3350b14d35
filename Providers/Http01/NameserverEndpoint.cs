using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace CertFleet.Providers.Http01;

/// <summary>Reads a nameserver setting: "10.0.0.10:53", "[fd00::a]:53", or an address alone (port 53).</summary>
public static class NameserverEndpoint
{
    public const int DefaultPort = 53;

    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        if (!IPEndPoint.TryParse(text.Trim(), out var parsed))
            return false;
        // No port given parses as port 0.
        endpoint = parsed.Port == 0 ? new IPEndPoint(parsed.Address, DefaultPort) : parsed;
        return true;
    }

    public static IPEndPoint Parse(string text) => TryParse(text, out var endpoint)
        ? endpoint
        : throw new FormatException($"\"{text}\" is not a nameserver address (ip:port, e.g. 10.0.0.10:53)");
}
