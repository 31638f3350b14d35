using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CertFleet.Dns01.Tests;

/// <summary>The fakes' own SigV4 check (us-east-1), written apart from the provider's signer so neither can vouch for itself.</summary>
public static class FakeSigV4
{
    /// <summary>Recomputes the signature from what arrived on the wire; returns what is wrong, or null.</summary>
    public static string? Verify(HttpRequest request, byte[] body, string service, string accessKeyId, string secretAccessKey, string? sessionToken)
    {
        var authorization = request.Headers.Authorization.ToString();
        var date = request.Headers["X-Amz-Date"].ToString();
        const string prefix = "AWS4-HMAC-SHA256 Credential=";
        var parts = authorization.StartsWith(prefix, StringComparison.Ordinal)
            ? authorization[prefix.Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "")
            : null;
        if (parts is null || date.Length != 16)
            return $"bad Authorization/X-Amz-Date: '{authorization}' '{date}'";

        var credential = authorization[prefix.Length..].Split(',')[0];
        var scope = $"{date[..8]}/us-east-1/{service}/aws4_request";
        var signedHeaders = parts["SignedHeaders"].Split(';');
        var required = sessionToken is null ? new[] { "host", "x-amz-date" } : ["host", "x-amz-date", "x-amz-security-token"];
        if (credential != $"{accessKeyId}/{scope}")
            return $"credential scope {credential}";
        if (required.Except(signedHeaders).Any())
            return $"signed headers {parts["SignedHeaders"]}";
        if (sessionToken is null ? request.Headers.ContainsKey("X-Amz-Security-Token") : request.Headers["X-Amz-Security-Token"] != sessionToken)
            return $"session token '{request.Headers["X-Amz-Security-Token"]}'";

        var query = request.Query.SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? "")))
            .Order(StringComparer.Ordinal);
        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(request.Path.Value).Append('\n')
            .Append(string.Join('&', query)).Append('\n');
        foreach (var name in signedHeaders)
            canonical.Append(name).Append(':').Append(request.Headers[name].ToString().Trim()).Append('\n');
        canonical.Append('\n').Append(parts["SignedHeaders"]).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));

        var stringToSign = $"AWS4-HMAC-SHA256\n{date}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        foreach (var step in new[] { date[..8], "us-east-1", service, "aws4_request" })
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(step));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return expected == parts["Signature"] ? null : $"signature {parts["Signature"]}, expected {expected} over:\n{canonical}";
    }
}
