using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Grains.RateLimits;

/// <summary>
/// Budget keys as design.md names them: <c>acme-host/registered-domain</c>, <c>acme-host/identifier-set</c>,
/// <c>account</c> and <c>account/identifier</c>. The budget grain's key is <c>limit/key</c>.
/// </summary>
public static class RateLimitKeys
{
    /// <summary>Identifier sets longer than this are shortened with a hash, to keep grain and storage keys small.</summary>
    private const int MaxSetLength = 200;

    /// <summary>host[:port] of a directory URL (or of a bare host[:port]), lower case.</summary>
    public static string Host(string server)
    {
        if (Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
            return uri.Authority.ToLowerInvariant();
        return server.Trim().TrimEnd('/').ToLowerInvariant();
    }

    /// <summary>An account URL without its scheme: <c>acme-v02.api.letsencrypt.org/acme/acct/123</c>.</summary>
    public static string Account(string accountUrl) =>
        Uri.TryCreate(accountUrl, UriKind.Absolute, out var uri)
            ? (uri.Authority + uri.AbsolutePath).TrimEnd('/').ToLowerInvariant()
            : accountUrl.ToLowerInvariant();

    /// <summary>The identifiers as Let's Encrypt compares sets: lower case, without duplicates, in order.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> identifiers) =>
        [.. identifiers.Where(i => i.Length > 0).Select(i => i.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary><c>acme-host/a.example,b.example</c>; a hash stands in for the tail of very long sets.</summary>
    public static string IdentifierSet(string host, IReadOnlyList<string> normalized)
    {
        var joined = string.Join(',', normalized);
        if (joined.Length > MaxSetLength)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..16];
            joined = $"{joined[..(MaxSetLength - 20)]}…{hash}";
        }
        return $"{host}/{joined}";
    }

    public static string Grain(string limit, string key) => $"{limit}/{key}";

    /// <summary>Splits a budget grain key into limit, server host and budget key.</summary>
    public static (string Limit, string Server, string Key) Parse(string grainKey)
    {
        var slash = grainKey.IndexOf('/', StringComparison.Ordinal);
        var limit = slash < 0 ? grainKey : grainKey[..slash];
        var key = slash < 0 ? "" : grainKey[(slash + 1)..];
        var server = key.Split('/', 2)[0];
        return (limit, server, key);
    }
}
