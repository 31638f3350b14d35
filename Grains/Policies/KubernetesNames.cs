using System.Text.RegularExpressions;

namespace CertFleet.Grains.Policies;

/// <summary>
/// The API server's rules for the names CertFleet writes from a spec (the Secret's name, its labels and annotations):
/// a spec that breaks them is refused up front instead of failing every Secret write after it.
/// </summary>
public static partial class KubernetesNames
{
    public const string QualifiedNameRule =
        "a key is an optional DNS subdomain prefix and '/', then at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

    public const string LabelValueRule =
        "a label value has at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

    /// <summary>An RFC 1123 subdomain: what Secret (and most object) names must be.</summary>
    public static bool IsSubdomain(string name) => name.Length <= 253 && Subdomain().IsMatch(name);

    /// <summary>An RFC 1035 label: what Service names must be.</summary>
    public static bool IsServiceName(string? name) =>
        name is { Length: > 0 and <= 63 } && char.IsAsciiLetterLower(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>A label or annotation key.</summary>
    public static bool IsQualifiedName(string key)
    {
        var slash = key.IndexOf('/');
        var (prefix, name) = slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
        return (prefix is null || (prefix.Length > 0 && IsSubdomain(prefix))) && name.Length is > 0 and <= 63 && NamePart().IsMatch(name);
    }

    public static bool IsLabelValue(string value) => value.Length == 0 || (value.Length <= 63 && NamePart().IsMatch(value));

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex NamePart();
}
