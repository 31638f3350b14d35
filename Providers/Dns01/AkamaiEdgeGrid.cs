using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Dns01;

/// <summary>The three values of an Akamai API client (its .edgerc section).</summary>
public sealed record AkamaiCredentials(string ClientToken, string ClientSecret, string AccessToken);

/// <summary>
/// Akamai's EdgeGrid request signing (EG1-HMAC-SHA256): a signing key is the HMAC of the timestamp under the client
/// secret; the signature is the HMAC, under that key, of method, scheme, host, path and query, the signed headers
/// (none here), the hash of a POST body (at most <c>maxBody</c> bytes of it) and the authorization header so far.
/// </summary>
public static class AkamaiEdgeGrid
{
    public const string Scheme = "EG1-HMAC-SHA256";

    /// <summary>The body bytes Akamai's APIs hash at most (their default max_body).</summary>
    public const int DefaultMaxBody = 131072;

    /// <summary>The Authorization header value for a request.</summary>
    /// <param name="uri">The absolute request URI (scheme, host with any port, path and query are signed).</param>
    public static string Authorization(AkamaiCredentials credentials, string method, Uri uri, ReadOnlySpan<byte> body, DateTimeOffset now, string nonce, int maxBody = DefaultMaxBody)
    {
        var timestamp = now.UtcDateTime.ToString("yyyyMMdd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture);
        var header = $"{Scheme} client_token={credentials.ClientToken};access_token={credentials.AccessToken};timestamp={timestamp};nonce={nonce};";
        return header + "signature=" + Signature(credentials.ClientSecret, timestamp, DataToSign(method, uri, body, header, maxBody));
    }

    /// <summary>The tab-separated text that is signed.</summary>
    public static string DataToSign(string method, Uri uri, ReadOnlySpan<byte> body, string headerWithoutSignature, int maxBody = DefaultMaxBody)
    {
        var upper = method.ToUpperInvariant();
        // Only POST bodies are hashed, and only their first maxBody bytes.
        var contentHash = upper == "POST" && body.Length > 0
            ? Convert.ToBase64String(SHA256.HashData(body[..Math.Min(body.Length, maxBody)]))
            : "";
        var host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        return string.Join('\t', upper, uri.Scheme, host, uri.PathAndQuery, "", contentHash, headerWithoutSignature);
    }

    public static string Signature(string clientSecret, string timestamp, string dataToSign)
    {
        var signingKey = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(timestamp)));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(dataToSign)));
    }
}
