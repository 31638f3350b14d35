using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// Splits and joins PEM text the way cert-manager writes it: 64-column base64, every block ending in "\n".
/// </summary>
public static class PemBundle
{
    public const string CertificateLabel = "CERTIFICATE";
    public const string CertificateRequestLabel = "CERTIFICATE REQUEST";

    private const string BeginMarker = "-----BEGIN ";

    /// <summary>
    /// Every PEM block in <paramref name="pem"/>, in order. Text between blocks is ignored, as openssl and Go do,
    /// but a BEGIN line whose block cannot be decoded is a <see cref="PkiException"/>, never silently skipped.
    /// </summary>
    public static IReadOnlyList<PemBlock> Split(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var blocks = new List<PemBlock>();
        var rest = pem.AsSpan();
        while (rest.IndexOf(BeginMarker, StringComparison.Ordinal) is var begin and >= 0)
        {
            if (!PemEncoding.TryFind(rest, out var fields) || fields.Location.Start.Value != begin)
            {
                var line = rest[begin..];
                var lineEnd = line.IndexOfAny('\r', '\n');
                throw new PkiException(
                    $"PEM block {blocks.Count + 1} (\"{(lineEnd < 0 ? line : line[..lineEnd])}\") is malformed: "
                    + "check that its base64 is intact and that it ends with a matching \"-----END ...-----\" line");
            }

            var der = new byte[fields.DecodedDataLength];
            Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _);
            blocks.Add(new PemBlock(rest[fields.Label].ToString(), der));
            rest = rest[fields.Location.End..];
        }
        return blocks;
    }

    /// <summary>The DER of every CERTIFICATE block, in order; <paramref name="what"/> names the input in errors.</summary>
    public static IReadOnlyList<byte[]> Certificates(string pem, string what)
    {
        var certificates = Split(pem).Where(b => b.Label == CertificateLabel).Select(b => b.Der).ToList();
        if (certificates.Count == 0)
        {
            throw new PkiException($"{what}: no \"-----BEGIN {CertificateLabel}-----\" block found");
        }
        return certificates;
    }

    public static string Encode(string label, ReadOnlySpan<byte> der) => PemEncoding.WriteString(label, der) + "\n";

    /// <summary>Concatenates PEM texts, making sure each ends with a newline.</summary>
    public static string Join(IEnumerable<string> pems)
    {
        var joined = new StringBuilder();
        foreach (var pem in pems)
        {
            joined.Append(pem);
            if (pem.Length > 0 && pem[^1] != '\n')
            {
                joined.Append('\n');
            }
        }
        return joined.ToString();
    }

    /// <summary><c>tls-combined.pem</c>: cert-manager writes the key, a newline, then the chain.</summary>
    public static string Combined(string keyPem, string chainPem) => keyPem + "\n" + chainPem;
}
