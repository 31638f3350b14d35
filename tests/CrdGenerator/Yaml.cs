using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CertFleet.CrdGenerator;

/// <summary>Small constructors for YAML nodes, and the one way documents are turned into text.</summary>
public static partial class Yaml
{
    public static YamlScalarNode Bool(bool value) => Plain(value ? "true" : "false");

    public static YamlScalarNode Scalar(object value) => value switch
    {
        string text => String(text),
        bool flag => Bool(flag),
        IFormattable number => Plain(number.ToString(null, CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"Unsupported YAML scalar {value.GetType()}."),
    };

    /// <summary>A string scalar, quoted when a YAML reader would otherwise take it for a number, boolean or null.</summary>
    public static YamlScalarNode String(string value) => LooksLikeNonString(value)
        ? new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted }
        : new YamlScalarNode(value);

    public static YamlSequenceNode Sequence(IEnumerable<string> values) => new(values.Select(String));

    public static string Write(YamlNode document, string headerComment)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        text.WriteLine(headerComment);
        // A wide line keeps every description on one line, so diffs stay readable.
        var emitter = new Emitter(text, new EmitterSettings(2, int.MaxValue, false, 1024));
        new YamlStream(new YamlDocument(document)).Save(emitter, assignAnchors: false);
        // YamlStream ends each document with an explicit "..." marker, which kubectl does not need.
        return text.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
    }

    private static YamlScalarNode Plain(string text) => new(text) { Style = ScalarStyle.Plain };

    private static bool LooksLikeNonString(string value) => value.Length == 0 || YamlCoreValue().IsMatch(value);

    // YAML 1.1 and 1.2 booleans, nulls and numbers; Kubernetes tools read both.
    [GeneratedRegex(@"^(?:[Yy](?:es)?|YES|[Nn]o?|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|~|[Nn]ull|NULL|[-+]?[0-9][0-9_.:eE+-]*|\.inf|\.nan)$")]
    private static partial Regex YamlCoreValue();
}
