using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The extensions of a CSR or certificate, read the same way for both: SANs, requested usages and the CA flag.
/// </summary>
internal sealed class X509ExtensionSet(IReadOnlyList<X509Extension> extensions, string what)
{
    public X509Extension? Find(string oid) => extensions.FirstOrDefault(e => e.Oid?.Value == oid);

    public SubjectAlternativeNames SubjectAlternativeNames =>
        Find(Oids.SubjectAltName) is { } san ? Decode(san, SubjectAlternativeNames.Decode) : SubjectAlternativeNames.None;

    /// <summary>The KeyUsage bits, or null when the extension is absent.</summary>
    public X509KeyUsageFlags? KeyUsage =>
        Find(Oids.KeyUsage) is { } ku ? Decode(ku, raw => new X509KeyUsageExtension(new AsnEncodedData(ku.Oid, raw.ToArray()), ku.Critical).KeyUsages) : null;

    /// <summary>The ExtendedKeyUsage OIDs, or null when the extension is absent.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsageOids =>
        Find(Oids.ExtendedKeyUsage) is { } eku
            ? Decode(eku, raw => new X509EnhancedKeyUsageExtension(new AsnEncodedData(eku.Oid, raw.ToArray()), eku.Critical)
                .EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).ToList())
            : null;

    /// <summary>cert-manager usage names for KeyUsage + ExtendedKeyUsage, or null when both are absent.</summary>
    public IReadOnlyList<string>? Usages =>
        KeyUsage is null && ExtendedKeyUsageOids is null
            ? null
            : CertificateUsages.FromX509(KeyUsage ?? X509KeyUsageFlags.None, ExtendedKeyUsageOids ?? []);

    /// <summary>basicConstraints cA, or null when the extension is absent.</summary>
    public bool? IsCA =>
        Find(Oids.BasicConstraints) is { } bc
            ? Decode(bc, raw => new X509BasicConstraintsExtension(new AsnEncodedData(bc.Oid, raw.ToArray()), bc.Critical).CertificateAuthority)
            : null;

    public static X509Extension BasicConstraints(bool isCA) => new X509BasicConstraintsExtension(isCA, false, 0, critical: true);

    /// <summary>KeyUsage (critical) and, when there are any, ExtendedKeyUsage (not critical).</summary>
    public static IEnumerable<X509Extension> ForUsages(X509KeyUsageFlags keyUsage, IReadOnlyList<string> extendedKeyUsageOids)
    {
        if (keyUsage != X509KeyUsageFlags.None)
        {
            yield return new X509KeyUsageExtension(keyUsage, critical: true);
        }
        if (extendedKeyUsageOids.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in extendedKeyUsageOids)
            {
                oids.Add(new Oid(oid));
            }
            yield return new X509EnhancedKeyUsageExtension(oids, critical: false);
        }
    }

    private T Decode<T>(X509Extension extension, Func<ReadOnlyMemory<byte>, T> decode)
    {
        try
        {
            return decode(extension.RawData);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new PkiException($"{what}: the {extension.Oid?.FriendlyName ?? extension.Oid?.Value} extension is corrupt", e);
        }
    }
}
