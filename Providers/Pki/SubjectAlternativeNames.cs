using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The GeneralNames of a subjectAltName extension, of the kinds cert-manager requests:
/// DNS, IP, URI, email and otherName with a UTF8String value.
/// </summary>
internal sealed record SubjectAlternativeNames
{
    private static readonly Asn1Tag OtherNameTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag OtherNameValueTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag EmailTag = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag DnsTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);
    private static readonly Asn1Tag IpTag = new(TagClass.ContextSpecific, 7);

    public static SubjectAlternativeNames None { get; } = new();

    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<string> IpAddresses { get; init; } = [];

    public IReadOnlyList<string> Uris { get; init; } = [];

    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    public IReadOnlyList<(string Oid, string Utf8Value)> OtherNames { get; init; } = [];

    public bool IsEmpty =>
        DnsNames.Count == 0 && IpAddresses.Count == 0 && Uris.Count == 0 && EmailAddresses.Count == 0 && OtherNames.Count == 0;

    /// <summary>The template's SANs, validated; IP addresses are normalised the way they print back.</summary>
    public static SubjectAlternativeNames FromTemplate(CertificateTemplate template)
    {
        foreach (var dnsName in template.DnsNames)
        {
            RequireAscii(dnsName, "spec.dnsNames", "write internationalised names in punycode (xn--...)");
        }
        foreach (var email in template.EmailAddresses)
        {
            RequireAscii(email, "spec.emailAddresses", "use an ASCII address");
            if (!email.Contains('@'))
            {
                throw new PkiException($"spec.emailAddresses: \"{email}\" is not an email address; it needs an '@'");
            }
        }
        foreach (var uri in template.Uris)
        {
            RequireAscii(uri, "spec.uris", "percent-encode other characters");
            if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
            {
                throw new PkiException($"spec.uris: \"{uri}\" is not an absolute URI; include the scheme, e.g. spiffe://cluster.local/ns/app/sa/app");
            }
        }
        foreach (var (oid, _) in template.OtherNames)
        {
            if (oid.Split('.') is not { Length: >= 2 } arcs || !arcs.All(a => a.Length > 0 && a.All(char.IsAsciiDigit)) || arcs[0] is not ("0" or "1" or "2"))
            {
                throw new PkiException($"spec.otherNames: \"{oid}\" is not a dotted OID such as 1.3.6.1.4.1.311.20.2.3");
            }
        }
        return new SubjectAlternativeNames
        {
            DnsNames = template.DnsNames.ToList(),
            IpAddresses = template.IpAddresses.Select(ip => new IPAddress(IpBytes(ip)).ToString()).ToList(),
            Uris = template.Uris.ToList(),
            EmailAddresses = template.EmailAddresses.ToList(),
            OtherNames = template.OtherNames.ToList(),
        };
    }

    /// <summary>
    /// The extension, names in cert-manager's order (DNS, email, IP, URI, otherName). RFC 5280 requires it to be
    /// critical when the subject is empty.
    /// </summary>
    public X509Extension ToExtension(bool critical)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var dnsName in DnsNames)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, dnsName, DnsTag);
            }
            foreach (var email in EmailAddresses)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, email, EmailTag);
            }
            foreach (var ip in IpAddresses)
            {
                writer.WriteOctetString(IpBytes(ip), IpTag);
            }
            foreach (var uri in Uris)
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, UriTag);
            }
            foreach (var (oid, value) in OtherNames)
            {
                using (writer.PushSequence(OtherNameTag))
                {
                    writer.WriteObjectIdentifier(oid);
                    using (writer.PushSequence(OtherNameValueTag))
                    {
                        writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                    }
                }
            }
        }
        return new X509Extension(Oids.SubjectAltName, writer.Encode(), critical);
    }

    /// <summary>
    /// Reads an extension value. Kinds cert-manager never requests (directoryName, registeredID, ...) are skipped;
    /// an otherName whose value is not a string is reported as "#" and its DER in hex.
    /// </summary>
    public static SubjectAlternativeNames Decode(ReadOnlyMemory<byte> extensionValue)
    {
        List<string> dnsNames = [], ipAddresses = [], uris = [], emails = [];
        List<(string, string)> otherNames = [];
        var outer = new AsnReader(extensionValue, AsnEncodingRules.DER);
        var names = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(OtherNameTag))
            {
                var otherName = names.ReadSequence(OtherNameTag);
                var oid = otherName.ReadObjectIdentifier();
                var value = otherName.ReadSequence(OtherNameValueTag).ReadEncodedValue();
                otherNames.Add((oid, DirectoryString.TryDecode(value, out var text) ? text : "#" + Convert.ToHexStringLower(value.Span)));
            }
            else if (tag.HasSameClassAndValue(DnsTag))
            {
                dnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, DnsTag));
            }
            else if (tag.HasSameClassAndValue(EmailTag))
            {
                emails.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, EmailTag));
            }
            else if (tag.HasSameClassAndValue(UriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
            }
            else if (tag.HasSameClassAndValue(IpTag))
            {
                var address = names.ReadOctetString(IpTag);
                if (address.Length is not (4 or 16))
                {
                    throw new AsnContentException($"an IP address SAN is {address.Length} bytes; it must be 4 or 16");
                }
                ipAddresses.Add(new IPAddress(address).ToString());
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
        return new SubjectAlternativeNames
        {
            DnsNames = dnsNames, IpAddresses = ipAddresses, Uris = uris, EmailAddresses = emails, OtherNames = otherNames,
        };
    }

    /// <summary>
    /// Strict IP parsing (no "1" → 0.0.0.1, no zones); IPv4-mapped IPv6 is written as 4 bytes, as Go does.
    /// </summary>
    private static byte[] IpBytes(string text)
    {
        if (IPAddress.TryParse(text, out var address) && !text.Contains('%')
            && (address.AddressFamily == AddressFamily.InterNetworkV6 ? text.Contains(':') : text.Count(c => c == '.') == 3))
        {
            return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).GetAddressBytes();
        }
        throw new PkiException($"spec.ipAddresses: \"{text}\" is not an IPv4 or IPv6 address (e.g. 10.0.0.1 or fd00::1)");
    }

    private static void RequireAscii(string value, string field, string fix)
    {
        if (value.Length == 0 || !value.All(char.IsAscii))
        {
            throw new PkiException($"{field}: \"{value}\" must be a non-empty ASCII string; {fix}");
        }
    }
}
