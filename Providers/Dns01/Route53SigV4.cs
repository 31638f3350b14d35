using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace CertFleet.Providers.Dns01;

/// <summary>An AWS key pair, with the session token that temporary credentials carry.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>
/// AWS Signature Version 4 for a plain HTTP request: the canonical request is built here, the key derivation and HMAC
/// are AWSSDK.Core's (its SignRequest wants the SDK's own request pipeline).
/// </summary>
public static class AwsSigV4
{
    public const string DateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";

    /// <summary>
    /// Adds X-Amz-Date (and X-Amz-Security-Token for session credentials) and the Authorization header. Host, the date,
    /// the token and any x-amz-* headers already present are signed; the payload is hashed from <paramref name="body"/>.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials, string region, string service, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("the request has no URI", nameof(request));
        var signedAt = now.UtcDateTime;
        request.Headers.Remove(DateHeader);
        request.Headers.TryAddWithoutValidation(DateHeader, signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.Remove(SecurityTokenHeader);
        if (credentials.SessionToken is { Length: > 0 } token)
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, token);

        var headers = new List<KeyValuePair<string, string>> { new("host", uri.IsDefaultPort ? uri.Host : uri.Authority) };
        foreach (var header in request.Headers)
            if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
                headers.Add(new(header.Key, string.Join(",", header.Value)));
        if (request.Content is { } content)
            foreach (var header in content.Headers)
                if (header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    headers.Add(new(header.Key, string.Join(",", header.Value)));

        var (canonicalRequest, signedHeaders) = CanonicalRequest(request.Method.Method, uri.AbsolutePath, uri.Query, headers, body);
        var result = AWS4Signer.ComputeSignature(credentials.AccessKeyId, credentials.SecretAccessKey, region, signedAt, service, signedHeaders, canonicalRequest);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    /// <summary>
    /// The SigV4 canonical request and its signed-header list. <paramref name="path"/> and <paramref name="query"/> are
    /// as they appear on the wire (percent-encoded; the query with or without its '?').
    /// </summary>
    public static (string CanonicalRequest, string SignedHeaders) CanonicalRequest(
        string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        var canonicalHeaders = headers
            .GroupBy(h => h.Key.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(",", g.Select(h => CollapseSpaces(h.Value)))))
            .ToList();
        var signedHeaders = string.Join(";", canonicalHeaders.Select(h => h.Name));

        var text = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(path)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
            text.Append(name).Append(':').Append(value).Append('\n');
        text.Append('\n').Append(signedHeaders).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        return (text.ToString(), signedHeaders);
    }

    // Non-S3 services sign each path segment percent-encoded once more, over the already-encoded form.
    private static string CanonicalPath(string path) =>
        path.Length == 0 ? "/" : string.Join("/", path.Split('/').Select(segment => Encode(Uri.UnescapeDataString(segment))));

    private static string CanonicalQuery(string query)
    {
        var pairs = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(kv => (Key: Encode(Uri.UnescapeDataString(kv[0])), Value: Encode(Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : ""))))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).ThenBy(kv => kv.Value, StringComparer.Ordinal);
        return string.Join("&", pairs.Select(kv => kv.Key + "=" + kv.Value));
    }

    // RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes, upper-case hex.
    private static string Encode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
                encoded.Append(c);
            else
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    private static string CollapseSpaces(string value) =>
        string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
