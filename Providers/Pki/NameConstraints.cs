using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary><c>spec.nameConstraints</c> of a CA Certificate (RFC 5280 §4.2.1.10).</summary>
public sealed record NameConstraints
{
    public bool Critical { get; init; }

    public NameConstraintItems? Permitted { get; init; }

    public NameConstraintItems? Excluded { get; init; }

    internal X509Extension ToExtension()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteSubtrees(writer, 0, Permitted, "spec.nameConstraints.permitted");
            WriteSubtrees(writer, 1, Excluded, "spec.nameConstraints.excluded");
        }
        return new X509Extension(Oids.NameConstraints, writer.Encode(), Critical);
    }

    // GeneralSubtrees in Go's order: DNS domains, IP ranges, emails, URI domains.
    private static void WriteSubtrees(AsnWriter writer, int tagNumber, NameConstraintItems? items, string field)
    {
        if (items is null || (items.DnsDomains.Count == 0 && items.IpRanges.Count == 0
            && items.EmailAddresses.Count == 0 && items.UriDomains.Count == 0))
        {
            return;
        }
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tagNumber, isConstructed: true)))
        {
            foreach (var domain in items.DnsDomains)
            {
                WriteSubtree(writer, 2, domain);
            }
            foreach (var range in items.IpRanges)
            {
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(IpRangeBytes(range, field + ".ipRanges"), new Asn1Tag(TagClass.ContextSpecific, 7));
                }
            }
            foreach (var email in items.EmailAddresses)
            {
                WriteSubtree(writer, 1, email);
            }
            foreach (var domain in items.UriDomains)
            {
                WriteSubtree(writer, 6, domain);
            }
        }
    }

    private static void WriteSubtree(AsnWriter writer, int generalNameTag, string value)
    {
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, value, new Asn1Tag(TagClass.ContextSpecific, generalNameTag));
        }
    }

    /// <summary>An IP range is the address followed by its mask: 8 bytes for IPv4, 32 for IPv6.</summary>
    private static byte[] IpRangeBytes(string cidr, string field)
    {
        if (!IPNetwork.TryParse(cidr, out var network))
        {
            throw new PkiException($"{field}: \"{cidr}\" is not a CIDR range with no host bits set (e.g. 10.0.0.0/8)");
        }
        var address = network.BaseAddress.GetAddressBytes();
        var mask = new byte[address.Length];
        for (var bit = 0; bit < network.PrefixLength; bit++)
        {
            mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }
        return [.. address, .. mask];
    }
}
