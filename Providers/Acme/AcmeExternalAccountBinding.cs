using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>
/// External account binding credentials (<c>spec.acme.externalAccountBinding</c>): the CA's key id and its
/// base64url MAC key, which is decoded before use as the HMAC key.
/// </summary>
public sealed record AcmeExternalAccountBinding(string KeyId, string HmacKeyBase64Url)
{
    /// <summary>
    /// The inner JWS for newAccount (RFC 8555 §7.3.4): header <c>{"alg":"HS256","kid","url"}</c>, payload the
    /// account's public JWK, HMAC-SHA256 signature.
    /// </summary>
    public string CreateJws(JsonWebKey accountKey, string newAccountUrl)
    {
        ArgumentNullException.ThrowIfNull(accountKey);
        var header = JsonSerializer.Serialize(new Dictionary<string, string> { ["alg"] = "HS256", ["kid"] = KeyId, ["url"] = newAccountUrl });
        var macKey = DecodeMacKey();
        try
        {
            return JsonWebSignature.Flattened(
                Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)),
                Base64Url.EncodeToString(Encoding.UTF8.GetBytes(accountKey.CanonicalJson)),
                input => HMACSHA256.HashData(macKey, input));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private byte[] DecodeMacKey()
    {
        // CAs hand out unpadded base64url; tolerate padding and the standard alphabet pasted by users.
        var text = HmacKeyBase64Url.Trim().TrimEnd('=').Replace('+', '-').Replace('/', '_');
        try
        {
            return Base64Url.DecodeFromChars(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("externalAccountBinding: the MAC key is not base64url; copy it exactly as the CA issued it", e);
        }
    }
}
