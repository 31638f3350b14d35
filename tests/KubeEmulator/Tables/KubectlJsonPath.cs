using System.Globalization;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>
/// The part of kubectl's JSONPath that printer columns and selectable fields use:
/// <c>.a.b</c>, <c>['a.b']</c>, <c>[0]</c>, <c>[*]</c>, <c>.*</c> and filters such as <c>[?(@.type=="Ready")]</c>.
/// </summary>
internal sealed class KubectlJsonPath
{
    private readonly List<Func<JsonNode, IEnumerable<JsonNode>>> _steps;

    private KubectlJsonPath(List<Func<JsonNode, IEnumerable<JsonNode>>> steps) => _steps = steps;

    /// <exception cref="FormatException">The expression is outside the supported subset.</exception>
    public static KubectlJsonPath Parse(string expression)
    {
        var text = expression.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }
        var steps = new List<Func<JsonNode, IEnumerable<JsonNode>>>();
        var i = 0;
        if (text.StartsWith('$'))
        {
            i = 1;
        }
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                i++;
                var start = i;
                while (i < text.Length && text[i] != '.' && text[i] != '[')
                {
                    i++;
                }
                var name = text[start..i];
                if (name.Length == 0)
                {
                    throw new FormatException($"unsupported JSONPath {expression}");
                }
                steps.Add(name == "*" ? Children : Field(name));
            }
            else if (text[i] == '[')
            {
                var end = FindClosingBracket(text, i) ?? throw new FormatException($"unclosed [ in {expression}");
                steps.Add(Bracket(text[(i + 1)..end], expression));
                i = end + 1;
            }
            else
            {
                throw new FormatException($"unsupported JSONPath {expression}");
            }
        }
        return new KubectlJsonPath(steps);
    }

    /// <summary>All values the path selects, in document order.</summary>
    public List<JsonNode> Evaluate(JsonNode root)
    {
        IEnumerable<JsonNode> current = [root];
        foreach (var step in _steps)
        {
            current = current.SelectMany(step).ToList();
        }
        return current.ToList();
    }

    private static Func<JsonNode, IEnumerable<JsonNode>> Field(string name) => node =>
        node is JsonObject obj && obj[name] is { } child ? [child] : [];

    private static IEnumerable<JsonNode> Children(JsonNode node) => node switch
    {
        JsonObject obj => obj.Select(p => p.Value).OfType<JsonNode>(),
        JsonArray array => array.OfType<JsonNode>(),
        _ => [],
    };

    private static Func<JsonNode, IEnumerable<JsonNode>> Bracket(string inner, string expression)
    {
        inner = inner.Trim();
        if (inner == "*")
        {
            return Children;
        }
        if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
        {
            return Field(inner[1..^1]);
        }
        if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            return node => node is JsonArray array && Resolve(index, array.Count) is { } at && array[at] is { } item ? [item] : [];
        }
        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            var filter = ParseFilter(inner[2..^1].Trim(), expression);
            return node => node is JsonArray array ? array.OfType<JsonNode>().Where(filter) : [];
        }
        throw new FormatException($"unsupported JSONPath {expression}");
    }

    private static int? Resolve(int index, int count)
    {
        var at = index < 0 ? count + index : index;
        return at >= 0 && at < count ? at : null;
    }

    private static Func<JsonNode, bool> ParseFilter(string filter, string expression)
    {
        string[] operators = ["==", "!=", "<=", ">=", "<", ">"];
        foreach (var op in operators)
        {
            var at = filter.IndexOf(op, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            var left = Relative(filter[..at].Trim(), expression);
            var literal = ParseLiteral(filter[(at + op.Length)..].Trim());
            return node => left.Evaluate(node).Any(value => Compare(value, op, literal));
        }
        var exists = Relative(filter, expression);
        return node => exists.Evaluate(node).Count > 0;
    }

    private static KubectlJsonPath Relative(string path, string expression) =>
        path.StartsWith('@') ? Parse(path[1..]) : throw new FormatException($"unsupported filter in {expression}");

    private static JsonNode? ParseLiteral(string text)
    {
        if (text.Length >= 2 && text[0] is '\'' or '"' && text[^1] == text[0])
        {
            return JsonValue.Create(text[1..^1]);
        }
        try
        {
            return JsonTree.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"unsupported filter literal {text}", e);
        }
    }

    private static bool Compare(JsonNode value, string op, JsonNode? literal)
    {
        if (JsonTree.TryGetDecimal(value, out var left) && JsonTree.TryGetDecimal(literal, out var right))
        {
            return op switch
            {
                "==" => left == right,
                "!=" => left != right,
                "<" => left < right,
                "<=" => left <= right,
                ">" => left > right,
                _ => left >= right,
            };
        }
        var equal = JsonTree.DeepEquals(value, literal);
        return op switch
        {
            "==" => equal,
            "!=" => !equal,
            _ => false,
        };
    }

    private static int? FindClosingBracket(string text, int open)
    {
        char? quote = null;
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '[':
                    depth++;
                    break;
                case ']':
                    if (--depth == 0)
                    {
                        return i;
                    }
                    break;
            }
        }
        return null;
    }
}
