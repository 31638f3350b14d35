using System.Formats.Asn1;

namespace CertFleet.Providers.Pki;

/// <summary>The ASN.1 character strings found in names, encoded the way Go's encoding/asn1 does.</summary>
internal static class DirectoryString
{
    /// <summary>PrintableString when every character allows it, else UTF8String (Go's rule for plain strings).</summary>
    public static byte[] Encode(string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(IsPrintable(value) ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, value);
        return writer.Encode();
    }

    /// <summary>Reads any string type; false for values that are not strings (they are kept as raw DER).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> encoded, out string value)
    {
        value = "";
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.BER);
            var tag = reader.PeekTag();
            if (tag.TagClass != TagClass.Universal)
            {
                return false;
            }
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                    or UniversalTagNumber.BMPString or UniversalTagNumber.NumericString or UniversalTagNumber.VisibleString
                    or UniversalTagNumber.T61String:
                    value = reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                    return !reader.HasData;
                default:
                    return false;
            }
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    // X.680 PrintableString: letters, digits, space and '()+,-./:=?
    private static bool IsPrintable(string value) =>
        value.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or ' ' or '\'' or '(' or ')' or '+' or ',' or '-' or '.' or '/' or ':' or '=' or '?');
}
