using System.Text;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Selectors;

/// <summary>A fieldSelector query parameter: <c>key=value</c>, <c>key==value</c> and <c>key!=value</c> terms, all of which must hold.</summary>
internal sealed class FieldSelector
{
    private sealed record Term(string Field, bool Equal, string Value);

    private readonly List<Term> _terms;

    private FieldSelector(List<Term> terms) => _terms = terms;

    public static readonly FieldSelector Everything = new([]);

    public bool IsEmpty => _terms.Count == 0;

    /// <exception cref="ApiError">400 when the selector does not parse or names a field this kind cannot select on.</exception>
    public static FieldSelector Parse(string? text, FieldLabels supported)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var terms = new List<Term>();
        foreach (var raw in SplitUnescaped(text, ','))
        {
            var term = ParseTerm(raw, text);
            if (!supported.Supports(term.Field))
            {
                throw ApiError.BadRequest($"field label not supported: {term.Field}");
            }
            terms.Add(term);
        }
        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject obj, FieldLabels labels) =>
        _terms.All(t => (labels.Read(obj, t.Field) == t.Value) == t.Equal);

    private static Term ParseTerm(string raw, string selector)
    {
        foreach (var (token, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            var at = IndexOfUnescaped(raw, token);
            if (at > 0)
            {
                return new Term(raw[..at].Trim(), equal, Unescape(raw[(at + token.Length)..]));
            }
        }
        throw ApiError.BadRequest($"invalid selector: '{selector}'; can't understand '{raw}'");
    }

    private static int IndexOfUnescaped(string text, string token)
    {
        for (var i = 0; i <= text.Length - token.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static string Unescape(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }
            builder.Append(value[i]);
        }
        return builder.ToString();
    }
}
