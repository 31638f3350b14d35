using System.Globalization;
using CertFleet.KubeEmulator.Api;

namespace CertFleet.KubeEmulator.Selectors;

/// <summary>A labelSelector query parameter: comma-separated requirements, all of which must hold.</summary>
internal sealed class LabelSelector
{
    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values);

    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static readonly LabelSelector Everything = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    /// <exception cref="ApiError">400 when the selector does not parse.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        return new LabelSelector(SplitTopLevel(text).Select(term => ParseRequirement(term.Trim(), text)).ToList());
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => Holds(r, labels));

    private static bool Holds(Requirement requirement, IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(requirement.Key, out var value);
        return requirement.Op switch
        {
            Operator.Equals or Operator.In => present && requirement.Values.Contains(value!),
            Operator.NotEquals or Operator.NotIn => !present || !requirement.Values.Contains(value!),
            Operator.Exists => present,
            Operator.DoesNotExist => !present,
            Operator.GreaterThan => present && long.TryParse(value, out var big) && big > long.Parse(requirement.Values[0], CultureInfo.InvariantCulture),
            _ => present && long.TryParse(value, out var small) && small < long.Parse(requirement.Values[0], CultureInfo.InvariantCulture),
        };
    }

    private static Requirement ParseRequirement(string term, string selector)
    {
        if (term.Length == 0)
        {
            throw Invalid(selector, "found '', expected: !, identifier, or 'end of string'");
        }
        if (term.StartsWith('!'))
        {
            return new Requirement(Key(term[1..].Trim(), selector), Operator.DoesNotExist, []);
        }
        foreach (var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new Requirement(Key(term[..at].Trim(), selector), op, [Value(term[(at + token.Length)..].Trim(), selector)]);
            }
        }
        foreach (var (token, op) in new[] { (">", Operator.GreaterThan), ("<", Operator.LessThan) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                var bound = term[(at + 1)..].Trim();
                if (!long.TryParse(bound, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    throw Invalid(selector, "for 'Gt', 'Lt' operators, the value must be an integer");
                }
                return new Requirement(Key(term[..at].Trim(), selector), op, [bound]);
            }
        }
        var words = term.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 2 && (words[1].StartsWith("in", StringComparison.Ordinal) || words[1].StartsWith("notin", StringComparison.Ordinal)))
        {
            var notIn = words[1].StartsWith("notin", StringComparison.Ordinal);
            var list = words[1][(notIn ? 5 : 2)..].Trim();
            if (!list.StartsWith('(') || !list.EndsWith(')'))
            {
                throw Invalid(selector, $"found '{list}', expected: a value list in parentheses");
            }
            var values = list[1..^1].Split(',').Select(v => Value(v.Trim(), selector)).ToList();
            return new Requirement(Key(words[0], selector), notIn ? Operator.NotIn : Operator.In, values);
        }
        if (words.Length == 1)
        {
            return new Requirement(Key(words[0], selector), Operator.Exists, []);
        }
        throw Invalid(selector, $"found '{words[1]}', expected: in, notin, =, ==, !=, gt, lt");
    }

    private static string Key(string key, string selector) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')
            ? key
            : throw Invalid(selector, $"invalid label key \"{key}\"");

    private static string Value(string value, string selector) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw Invalid(selector, $"invalid label value: \"{value}\"");

    private static ApiError Invalid(string selector, string detail) =>
        ApiError.BadRequest($"unable to parse requirement: {detail} in \"{selector}\"");

    /// <summary>Splits on commas that are not inside an in/notin value list.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }
}
