using System.Formats.Asn1;
using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// An X.501 Name as cert-manager builds and prints it: a sequence of RDNs, least specific first (DER order),
/// each a set of attribute type/value pairs.
/// </summary>
internal sealed class DistinguishedName
{
    public const int MaxCommonNameLength = 64;

    private const string CommonNameOid = "2.5.4.3";
    private const string SerialNumberOid = "2.5.4.5";
    private const string CountryOid = "2.5.4.6";
    private const string LocalityOid = "2.5.4.7";
    private const string ProvinceOid = "2.5.4.8";
    private const string StreetAddressOid = "2.5.4.9";
    private const string OrganizationOid = "2.5.4.10";
    private const string OrganizationalUnitOid = "2.5.4.11";
    private const string PostalCodeOid = "2.5.4.17";

    // The RFC 4514 keywords cert-manager's literalSubject accepts.
    private static readonly (string Keyword, string Oid)[] Keywords =
    [
        ("CN", CommonNameOid), ("SERIALNUMBER", SerialNumberOid), ("C", CountryOid), ("L", LocalityOid),
        ("ST", ProvinceOid), ("STREET", StreetAddressOid), ("O", OrganizationOid), ("OU", OrganizationalUnitOid),
        ("POSTALCODE", PostalCodeOid), ("DC", "0.9.2342.19200300.100.1.25"), ("UID", "0.9.2342.19200300.100.1.1"),
    ];

    private readonly IReadOnlyList<IReadOnlyList<NameAttribute>> _rdns;

    private DistinguishedName(IReadOnlyList<IReadOnlyList<NameAttribute>> rdns) => _rdns = rdns;

    public bool IsEmpty => _rdns.Count == 0;

    /// <summary>The last common name in the sequence (the most specific), as Go reads it.</summary>
    public string? CommonName => TextsOf(CommonNameOid).LastOrDefault();

    /// <summary>
    /// The subject a Certificate spec asks for: <c>literalSubject</c> verbatim, else the structured fields and
    /// <c>commonName</c> in Go's pkix.Name order (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER),
    /// several values of one field sharing one RDN.
    /// </summary>
    public static DistinguishedName FromTemplate(CertificateTemplate template)
    {
        var subject = template.Subject ?? SubjectFields.Empty;
        if (!string.IsNullOrEmpty(template.LiteralSubject))
        {
            if (!string.IsNullOrEmpty(template.CommonName) || !subject.IsEmpty)
            {
                throw new PkiException(
                    "spec.literalSubject cannot be combined with spec.commonName or spec.subject; put every attribute into spec.literalSubject");
            }
            return ParseRfc4514(template.LiteralSubject, "spec.literalSubject");
        }

        if (template.CommonName is { Length: > MaxCommonNameLength } commonName)
        {
            throw new PkiException(
                $"spec.commonName: {commonName.Length} characters is more than the {MaxCommonNameLength} RFC 5280 allows; shorten it and put long names in spec.dnsNames");
        }

        var rdns = new List<IReadOnlyList<NameAttribute>>();
        void Add(string oid, IEnumerable<string?> values)
        {
            var rdn = values.Where(v => !string.IsNullOrEmpty(v)).Select(v => NameAttribute.FromText(oid, v!)).ToList();
            if (rdn.Count > 0)
            {
                rdns.Add(rdn);
            }
        }
        Add(CountryOid, subject.Countries);
        Add(ProvinceOid, subject.Provinces);
        Add(LocalityOid, subject.Localities);
        Add(StreetAddressOid, subject.StreetAddresses);
        Add(PostalCodeOid, subject.PostalCodes);
        Add(OrganizationOid, subject.Organizations);
        Add(OrganizationalUnitOid, subject.OrganizationalUnits);
        Add(CommonNameOid, [template.CommonName]);
        Add(SerialNumberOid, [subject.SerialNumber]);
        return new DistinguishedName(rdns);
    }

    /// <summary>
    /// Parses an RFC 4514 string. The string lists the most specific RDN first, so the DER sequence is its reverse,
    /// as cert-manager does for literalSubject.
    /// </summary>
    /// <param name="field">Names the input in error messages.</param>
    public static DistinguishedName ParseRfc4514(string text, string field)
    {
        var rdns = new Rfc4514Parser(text, field).Parse();
        rdns.Reverse();
        return new DistinguishedName(rdns);
    }

    /// <summary>Reads a DER Name; the caller maps <see cref="AsnContentException"/> to its own message.</summary>
    public static DistinguishedName Decode(ReadOnlyMemory<byte> der)
    {
        var rdns = new List<IReadOnlyList<NameAttribute>>();
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var name = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        while (name.HasData)
        {
            var set = name.ReadSetOf(skipSortOrderValidation: true); // some CAs do not sort multi-valued RDNs
            var rdn = new List<NameAttribute>();
            while (set.HasData)
            {
                var pair = set.ReadSequence();
                rdn.Add(new NameAttribute(pair.ReadObjectIdentifier(), pair.ReadEncodedValue().ToArray()));
                pair.ThrowIfNotEmpty();
            }
            rdns.Add(rdn);
        }
        return new DistinguishedName(rdns);
    }

    public byte[] Encode()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var rdn in _rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var attribute in rdn)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(attribute.Oid);
                            writer.WriteEncodedValue(attribute.EncodedValue);
                        }
                    }
                }
            }
        }
        return writer.Encode();
    }

    public SubjectFields ToSubjectFields() => new()
    {
        Countries = TextsOf(CountryOid),
        Provinces = TextsOf(ProvinceOid),
        Localities = TextsOf(LocalityOid),
        StreetAddresses = TextsOf(StreetAddressOid),
        PostalCodes = TextsOf(PostalCodeOid),
        Organizations = TextsOf(OrganizationOid),
        OrganizationalUnits = TextsOf(OrganizationalUnitOid),
        SerialNumber = TextsOf(SerialNumberOid).LastOrDefault(),
    };

    /// <summary>
    /// RFC 4514 text like Go's pkix.Name.String(): most specific RDN first, "," between RDNs, "+" inside one,
    /// unknown types and non-string values as "oid=#hex".
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = _rdns.Count - 1; i >= 0; i--)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }
            for (var j = 0; j < _rdns[i].Count; j++)
            {
                if (j > 0)
                {
                    text.Append('+');
                }
                var attribute = _rdns[i][j];
                var keyword = Array.Find(Keywords, k => k.Oid == attribute.Oid).Keyword;
                if (keyword is null || attribute.Text is not { } value)
                {
                    text.Append(attribute.Oid).Append("=#").Append(Convert.ToHexStringLower(attribute.EncodedValue));
                    continue;
                }
                text.Append(keyword).Append('=');
                AppendEscaped(text, value);
            }
        }
        return text.ToString();
    }

    private IReadOnlyList<string> TextsOf(string oid) =>
        _rdns.SelectMany(rdn => rdn).Where(a => a.Oid == oid && a.Text is not null).Select(a => a.Text!).ToList();

    private static void AppendEscaped(StringBuilder text, string value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            var c = value[k];
            var escape = c switch
            {
                ',' or '+' or '"' or '\\' or '<' or '>' or ';' => true,
                ' ' => k == 0 || k == value.Length - 1,
                '#' => k == 0,
                _ => false,
            };
            if (escape)
            {
                text.Append('\\');
            }
            text.Append(c);
        }
    }

    private static string? OidForKeyword(string keyword) =>
        Array.Find(Keywords, k => string.Equals(k.Keyword, keyword, StringComparison.OrdinalIgnoreCase)).Oid;

    /// <summary>One attribute: its type OID and DER value; <see cref="Text"/> is null for non-string values.</summary>
    private sealed record NameAttribute(string Oid, byte[] EncodedValue)
    {
        public string? Text { get; } = DirectoryString.TryDecode(EncodedValue, out var text) ? text : null;

        public static NameAttribute FromText(string oid, string value) => new(oid, DirectoryString.Encode(value));
    }

    /// <summary>RFC 4514 parser: ',' between RDNs, '+' inside one, '\' escapes (a special character or two hex digits), '#hex' BER values.</summary>
    private sealed class Rfc4514Parser(string text, string field)
    {
        private int _position;

        public List<IReadOnlyList<NameAttribute>> Parse()
        {
            var rdns = new List<IReadOnlyList<NameAttribute>>();
            SkipSpaces();
            while (_position < text.Length)
            {
                var rdn = new List<NameAttribute> { ReadAttribute() };
                while (_position < text.Length && text[_position] == '+')
                {
                    _position++;
                    rdn.Add(ReadAttribute());
                }
                rdns.Add(rdn);
                if (_position < text.Length)
                {
                    // ReadAttribute stops only at ',', '+' or the end.
                    _position++;
                    SkipSpaces();
                    if (_position == text.Length)
                    {
                        throw Invalid("it ends with ','");
                    }
                }
            }
            return rdns;
        }

        private NameAttribute ReadAttribute()
        {
            SkipSpaces();
            var equals = text.IndexOf('=', _position);
            if (equals < 0)
            {
                throw Invalid($"\"{text[_position..]}\" has no '='");
            }
            var type = text[_position..equals].Trim();
            var oid = OidForKeyword(type) ?? (IsDottedOid(type) ? type : null)
                ?? throw Invalid($"attribute type \"{type}\" is unknown; use {string.Join(", ", Keywords.Select(k => k.Keyword))} or a dotted OID");
            _position = equals + 1;
            SkipSpaces();
            return _position < text.Length && text[_position] == '#'
                ? new NameAttribute(oid, ReadHexValue())
                : NameAttribute.FromText(oid, ReadStringValue());
        }

        private byte[] ReadHexValue()
        {
            var start = ++_position;
            while (_position < text.Length && Uri.IsHexDigit(text[_position]))
            {
                _position++;
            }
            var hex = text[start.._position];
            SkipSpaces();
            if (hex.Length == 0 || hex.Length % 2 != 0 || (_position < text.Length && text[_position] is not (',' or '+')))
            {
                throw Invalid($"the '#' value at position {start} is not an even number of hex digits");
            }
            var encoded = Convert.FromHexString(hex);
            try
            {
                var reader = new AsnReader(encoded, AsnEncodingRules.BER);
                reader.ReadEncodedValue();
                reader.ThrowIfNotEmpty();
            }
            catch (AsnContentException)
            {
                throw Invalid($"the '#' value at position {start} is not one BER-encoded value");
            }
            return encoded;
        }

        private string ReadStringValue()
        {
            var value = new StringBuilder();
            var escapedBytes = new List<byte>();
            var keptLength = 0; // unescaped trailing spaces are not part of the value
            while (_position < text.Length && text[_position] is not (',' or '+'))
            {
                var c = text[_position++];
                if (c == '\\')
                {
                    if (_position == text.Length)
                    {
                        throw Invalid("it ends with a lone '\\'");
                    }
                    if (_position + 1 < text.Length && Uri.IsHexDigit(text[_position]) && Uri.IsHexDigit(text[_position + 1]))
                    {
                        escapedBytes.Add(Convert.ToByte(text.Substring(_position, 2), 16));
                        _position += 2;
                        continue;
                    }
                    FlushEscapedBytes(value, escapedBytes, ref keptLength);
                    value.Append(text[_position++]);
                    keptLength = value.Length;
                    continue;
                }
                FlushEscapedBytes(value, escapedBytes, ref keptLength);
                value.Append(c);
                if (c != ' ')
                {
                    keptLength = value.Length;
                }
            }
            FlushEscapedBytes(value, escapedBytes, ref keptLength);
            return value.ToString(0, keptLength);
        }

        // Hex escapes are UTF-8 bytes; a run of them is decoded together.
        private void FlushEscapedBytes(StringBuilder value, List<byte> escapedBytes, ref int keptLength)
        {
            if (escapedBytes.Count == 0)
            {
                return;
            }
            try
            {
                value.Append(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(escapedBytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                throw Invalid("its '\\XX' escapes are not valid UTF-8");
            }
            escapedBytes.Clear();
            keptLength = value.Length;
        }

        private void SkipSpaces()
        {
            while (_position < text.Length && text[_position] == ' ')
            {
                _position++;
            }
        }

        private static bool IsDottedOid(string type) =>
            type.Split('.') is { Length: >= 2 } arcs && arcs.All(arc => arc.Length > 0 && arc.All(char.IsAsciiDigit));

        private PkiException Invalid(string reason) =>
            new($"{field}: \"{text}\" is not a valid RFC 4514 distinguished name: {reason}; example: \"CN=app,O=Example Inc,C=US\"");
    }
}
