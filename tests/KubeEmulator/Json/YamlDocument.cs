using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CertFleet.KubeEmulator.Json;

/// <summary>
/// Reads one YAML document into a JSON tree, resolving plain scalars the way sigs.k8s.io/yaml (go-yaml v2) does,
/// so `yes`, `on` and `~` mean what they mean to the apiserver.
/// </summary>
internal static class YamlDocument
{
    private static readonly HashSet<string> TrueWords = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> FalseWords = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly HashSet<string> NullWords = ["", "~", "null", "Null", "NULL"];

    /// <exception cref="FormatException">The text is not one YAML document.</exception>
    public static JsonNode? Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FormatException($"error converting YAML to JSON: {e.Message}", e);
        }
        return stream.Documents.Count switch
        {
            0 => null,
            1 => Convert(stream.Documents[0].RootNode),
            _ => throw new FormatException("error converting YAML to JSON: expected one document"),
        };
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new FormatException("error converting YAML to JSON: aliases are not supported"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode scalarKey
                ? scalarKey.Value ?? ""
                : throw new FormatException("error converting YAML to JSON: keys must be scalars");
            obj[name] = Convert(value);
        }
        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain || scalar.Tag == "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(text);
        }
        if (NullWords.Contains(text))
        {
            return null;
        }
        if (TrueWords.Contains(text))
        {
            return JsonValue.Create(true);
        }
        if (FalseWords.Contains(text))
        {
            return JsonValue.Create(false);
        }
        var digits = text.Replace("_", "");
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (digits.StartsWith("0x", StringComparison.Ordinal) &&
            long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }
        if (LooksNumeric(digits) &&
            double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }

    // double.TryParse also accepts words like "Infinity"; YAML floats start with a sign, digit or dot.
    private static bool LooksNumeric(string text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.') &&
        text.Any(char.IsAsciiDigit);
}
