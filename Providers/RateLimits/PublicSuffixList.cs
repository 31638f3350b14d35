using System.Globalization;
using System.Net;

namespace CertFleet.Providers.RateLimits;

/// <summary>
/// The Public Suffix List (publicsuffix.org), ICANN and PRIVATE sections alike, as Let's Encrypt uses it to find the
/// registered domain its per-domain limit counts against. Rules are kept in their ASCII (punycode) form.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's <c>publicsuffix</c> package installs the list.</summary>
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private static readonly IdnMapping Idn = new();
    private readonly HashSet<string> _rules;
    /// <summary>Parents of wildcard rules: "ck" for "*.ck".</summary>
    private readonly HashSet<string> _wildcards;
    /// <summary>Exception rules without their "!": "www.ck" for "!www.ck".</summary>
    private readonly HashSet<string> _exceptions;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcards, HashSet<string> exceptions)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
    }

    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>Reads the list from a file; the message names the path and the Debian package when it is missing.</summary>
    public static PublicSuffixList Load(string path)
    {
        RequireFile(path);
        return Parse(File.ReadAllText(path));
    }

    /// <summary>Throws, saying how to fix it, when <paramref name="path"/> holds no file to load (checked at start without parsing it).</summary>
    public static void RequireFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Public Suffix List not found at \"{path}\": install Debian's publicsuffix package (apt-get install publicsuffix) or point CertFleet:RateLimits:PublicSuffixListPath at a copy of public_suffix_list.dat", path);
    }

    /// <summary>Parses the list's text format: one rule per line, "//" comments, "*." wildcards, "!" exceptions.</summary>
    public static PublicSuffixList Parse(string text)
    {
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var wildcards = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
                continue;
            // A rule is the line up to the first whitespace.
            var end = line.IndexOfAny([' ', '\t']);
            var rule = end < 0 ? line : line[..end];
            if (rule.StartsWith('!'))
                exceptions.Add(Ascii(rule[1..]));
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
                wildcards.Add(Ascii(rule[2..]));
            else
                rules.Add(Ascii(rule));
        }
        return new PublicSuffixList(rules, wildcards, exceptions);
    }

    /// <summary>
    /// The registered domain (eTLD+1) of a DNS name: "example.co.uk" for "www.example.co.uk". A wildcard counts as
    /// its base name. A name that is itself a public suffix is its own registered domain, as Let's Encrypt treats it;
    /// an IP address is its own key.
    /// </summary>
    public string RegisteredDomain(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        host = host.TrimEnd('.');
        if (IPAddress.TryParse(host, out var ip))
            return ip.ToString();
        host = Ascii(host);
        var labels = host.Split('.');
        var suffixLabels = PublicSuffixLength(labels);
        return suffixLabels >= labels.Length ? host : string.Join('.', labels[^(suffixLabels + 1)..]);
    }

    /// <summary>How many trailing labels form the public suffix, by the list's prevailing-rule algorithm.</summary>
    private int PublicSuffixLength(string[] labels)
    {
        // An exception rule prevails over every other rule; its suffix is the rule minus its leftmost label.
        for (var i = 0; i < labels.Length; i++)
            if (_exceptions.Contains(string.Join('.', labels[i..])))
                return labels.Length - i - 1;
        // Otherwise the longest matching rule; with none, the implicit "*" (the last label).
        for (var i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            if (_rules.Contains(candidate))
                return labels.Length - i;
            if (i + 1 < labels.Length && _wildcards.Contains(string.Join('.', labels[(i + 1)..])))
                return labels.Length - i;
        }
        return 1;
    }

    private static string Ascii(string name)
    {
        var lower = name.ToLowerInvariant();
        if (lower.All(char.IsAscii))
            return lower;
        try
        {
            return Idn.GetAscii(lower);
        }
        catch (ArgumentException)
        {
            return lower; // not a valid IDN: compared as written
        }
    }
}
