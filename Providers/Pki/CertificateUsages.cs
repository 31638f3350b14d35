using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// cert-manager's 23 <c>spec.usages</c> strings and the KeyUsage bits / ExtendedKeyUsage OIDs they stand for.
/// </summary>
public static class CertificateUsages
{
    private static readonly (string Name, X509KeyUsageFlags Flag)[] KeyUsageNames =
    [
        ("signing", X509KeyUsageFlags.DigitalSignature),
        ("digital signature", X509KeyUsageFlags.DigitalSignature),
        ("content commitment", X509KeyUsageFlags.NonRepudiation),
        ("key encipherment", X509KeyUsageFlags.KeyEncipherment),
        ("key agreement", X509KeyUsageFlags.KeyAgreement),
        ("data encipherment", X509KeyUsageFlags.DataEncipherment),
        ("cert sign", X509KeyUsageFlags.KeyCertSign),
        ("crl sign", X509KeyUsageFlags.CrlSign),
        ("encipher only", X509KeyUsageFlags.EncipherOnly),
        ("decipher only", X509KeyUsageFlags.DecipherOnly),
    ];

    private static readonly (string Name, string Oid)[] ExtendedKeyUsageNames =
    [
        ("any", "2.5.29.37.0"),
        ("server auth", "1.3.6.1.5.5.7.3.1"),
        ("client auth", "1.3.6.1.5.5.7.3.2"),
        ("code signing", "1.3.6.1.5.5.7.3.3"),
        ("email protection", "1.3.6.1.5.5.7.3.4"),
        ("s/mime", "1.3.6.1.5.5.7.3.4"),
        ("ipsec end system", "1.3.6.1.5.5.7.3.5"),
        ("ipsec tunnel", "1.3.6.1.5.5.7.3.6"),
        ("ipsec user", "1.3.6.1.5.5.7.3.7"),
        ("timestamping", "1.3.6.1.5.5.7.3.8"),
        ("ocsp signing", "1.3.6.1.5.5.7.3.9"),
        ("microsoft sgc", "1.3.6.1.4.1.311.10.3.3"),
        ("netscape sgc", "2.16.840.1.113730.4.1"),
    ];

    public const string DigitalSignature = "digital signature";
    public const string KeyEncipherment = "key encipherment";

    /// <summary>What cert-manager uses when <c>spec.usages</c> is empty.</summary>
    public static IReadOnlyList<string> Default { get; } = [DigitalSignature, KeyEncipherment];

    public static IReadOnlyList<string> All { get; } =
        [.. KeyUsageNames.Select(u => u.Name), .. ExtendedKeyUsageNames.Select(u => u.Name)];

    /// <summary>
    /// The KeyUsage bits and ExtendedKeyUsage OIDs for <paramref name="usages"/> (empty → <see cref="Default"/>);
    /// <paramref name="isCA"/> adds cert sign. A dotted OID is taken as an extended key usage, which is how an
    /// unknown one read from a CSR comes back.
    /// </summary>
    /// <summary>Whether two usage lists ask for the same key usage bits and extended key usages (order and spelling aside).</summary>
    public static bool Same(IReadOnlyList<string> a, IReadOnlyList<string> b, bool isCA, string field)
    {
        var (keyUsageA, extendedA) = ToX509(a, isCA, field);
        var (keyUsageB, extendedB) = ToX509(b, isCA, field);
        return keyUsageA == keyUsageB && extendedA.Order(StringComparer.Ordinal).SequenceEqual(extendedB.Order(StringComparer.Ordinal));
    }

    internal static (X509KeyUsageFlags KeyUsage, IReadOnlyList<string> ExtendedKeyUsageOids) ToX509(
        IReadOnlyList<string> usages, bool isCA, string field)
    {
        var keyUsage = isCA ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.None;
        var extended = new List<string>();
        foreach (var usage in usages.Count == 0 ? Default : usages)
        {
            if (Array.Find(KeyUsageNames, u => u.Name == usage) is { Name: not null } named)
            {
                keyUsage |= named.Flag;
            }
            else if ((Array.Find(ExtendedKeyUsageNames, u => u.Name == usage).Oid ?? AsDottedOid(usage)) is { } oid)
            {
                if (!extended.Contains(oid))
                {
                    extended.Add(oid);
                }
            }
            else
            {
                throw new PkiException($"{field}: \"{usage}\" is not a cert-manager usage; use one of: {string.Join(", ", All)}");
            }
        }
        return (keyUsage, extended);
    }

    /// <summary>cert-manager usage names for KeyUsage bits and ExtendedKeyUsage OIDs; unknown OIDs stay dotted.</summary>
    internal static IReadOnlyList<string> FromX509(X509KeyUsageFlags keyUsage, IEnumerable<string> extendedKeyUsageOids)
    {
        var names = new List<string>();
        foreach (var (name, flag) in KeyUsageNames)
        {
            // "signing" and "digital signature" share a bit; report the spelling cert-manager's default uses.
            if (name != "signing" && keyUsage.HasFlag(flag))
            {
                names.Add(name);
            }
        }
        foreach (var oid in extendedKeyUsageOids)
        {
            names.Add(Array.Find(ExtendedKeyUsageNames, u => u.Oid == oid).Name ?? oid);
        }
        return names;
    }

    private static string? AsDottedOid(string usage) =>
        usage.Split('.') is { Length: >= 3 } arcs && arcs.All(a => a.Length > 0 && a.All(char.IsAsciiDigit)) ? usage : null;
}
