using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CertFleet.EndToEnd.Tests;

/// <summary>The ways a private key could end up in stored text, to prove it did not.</summary>
public static partial class PrivateKeyMaterial
{
    private const string PemMarker = "PRIVATE KEY";

    /// <summary>A PEM key's base64 body in both alphabets and its private scalar (EC d, RSA d) in base64, base64url and hex.</summary>
    public static IEnumerable<string> Encodings(string pem)
    {
        var block = PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[block.Base64Data]);
        yield return Convert.ToBase64String(der);
        yield return Base64Url.EncodeToString(der);
        var scalar = PrivateScalar(pem);
        yield return Convert.ToBase64String(scalar);
        yield return Base64Url.EncodeToString(scalar);
        yield return Convert.ToHexString(scalar);
        yield return Convert.ToHexStringLower(scalar);
    }

    /// <summary>
    /// True when <paramref name="text"/> holds any needle, a PEM private key block, or a base64 token that decodes to
    /// one (byte arrays are stored as base64 in JSON).
    /// </summary>
    public static bool Contains(string text, IReadOnlyCollection<string> needles, out string found)
    {
        found = needles.FirstOrDefault(n => text.Contains(n, StringComparison.Ordinal)) ?? "";
        if (found.Length > 0)
            return true;
        if (text.Contains(PemMarker, StringComparison.Ordinal))
        {
            found = PemMarker;
            return true;
        }
        foreach (Match token in Base64Token().Matches(text))
        {
            var decoded = TryDecode(token.Value);
            if (decoded is not null && Contains(Encoding.UTF8.GetString(decoded), needles, out var inner))
            {
                found = $"base64 of {inner}";
                return true;
            }
        }
        return false;
    }

    private static byte[]? TryDecode(string token)
    {
        var padded = token.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] PrivateScalar(string pem)
    {
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return ec.ExportParameters(true).D!;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa.ExportParameters(true).D!;
        }
    }

    [GeneratedRegex("[A-Za-z0-9+/_-]{40,}={0,2}")]
    private static partial Regex Base64Token();
}
