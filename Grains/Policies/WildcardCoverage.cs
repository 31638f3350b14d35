using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Policies;

/// <summary>
/// "*.example.com" covers one label below the apex and not the apex itself, a classic surprise. The names a
/// Certificate's wildcards leave uncovered are reported; issuing is still the user's call.
/// </summary>
public static class WildcardCoverage
{
    /// <summary>Apexes of the spec's wildcards that the spec does not also name.</summary>
    public static IReadOnlyList<string> UncoveredApexes(CertificateSpec spec)
    {
        var names = new HashSet<string>(spec.DnsNames ?? [], StringComparer.OrdinalIgnoreCase);
        if (spec.CommonName is { Length: > 0 } cn) names.Add(cn);
        return [.. names.Where(n => n.StartsWith("*.", StringComparison.Ordinal) && !names.Contains(n[2..])).Select(n => n[2..]).Order(StringComparer.Ordinal)];
    }

    /// <summary>The sentence shown on the Certificate, or null when every wildcard's apex is named too.</summary>
    public static string? Note(CertificateSpec spec) => UncoveredApexes(spec) is { Count: > 0 } apexes
        ? $"{string.Join(", ", apexes.Select(a => $"*.{a} does not cover {a}"))}; add {string.Join(", ", apexes)} to spec.dnsNames if clients use {(apexes.Count == 1 ? "it" : "them")}"
        : null;
}
