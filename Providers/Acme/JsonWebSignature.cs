using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace CertFleet.Providers.Acme;

/// <summary>Builds the flattened JSON JWS that carries every ACME POST (RFC 8555 §6.2).</summary>
public static class JsonWebSignature
{
    public const string ContentType = "application/jose+json";

    /// <summary>
    /// Signs <paramref name="payload"/> ("" for POST-as-GET). With a <paramref name="keyId"/> the header names the
    /// account (<c>kid</c>); without one it embeds the public key (<c>jwk</c>), as newAccount and keyChange require.
    /// <paramref name="nonce"/> is null only for the inner keyChange JWS.
    /// </summary>
    public static string Create(AcmeAccountKey key, string url, string? nonce, string? keyId, string payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        var header = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(header))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", key.Algorithm);
            if (keyId is null)
            {
                writer.WritePropertyName("jwk");
                writer.WriteRawValue(key.Jwk.CanonicalJson);
            }
            else
            {
                writer.WriteString("kid", keyId);
            }
            if (nonce is not null)
            {
                writer.WriteString("nonce", nonce);
            }
            writer.WriteString("url", url);
            writer.WriteEndObject();
        }
        return Flattened(Base64Url.EncodeToString(header.WrittenSpan), Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)), input => key.Sign(input));
    }

    /// <summary>Signs <c>protected.payload</c> with <paramref name="sign"/> and assembles the flattened JSON.</summary>
    internal static string Flattened(string protectedHeader, string payload, Func<byte[], byte[]> sign)
    {
        var signature = sign(Encoding.ASCII.GetBytes(protectedHeader + "." + payload));
        return JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["protected"] = protectedHeader,
            ["payload"] = payload,
            ["signature"] = Base64Url.EncodeToString(signature),
        });
    }
}
