using System.Net;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// "*.example.com" covers one label below the apex and not the apex itself, a classic surprise. Used for a
/// Certificate's own wildcards (an apex it leaves out) and for the hosts of Ingresses and Gateways that use its Secret.
/// </summary>
public static class WildcardCoverage
{
    /// <summary>
    /// Whether a certificate name covers a host: equal (ignoring case), or a wildcard "*.zone" and a host of exactly
    /// one more label under zone. A wildcard host is covered only by the same wildcard.
    /// </summary>
    public static bool Covers(string name, string host)
    {
        if (string.Equals(name, host, StringComparison.OrdinalIgnoreCase))
            return true;
        if (!name.StartsWith("*.", StringComparison.Ordinal) || host.Length <= name.Length - 1)
            return false;
        var zone = name[1..]; // ".example.com"
        if (!host.EndsWith(zone, StringComparison.OrdinalIgnoreCase))
            return false;
        var label = host[..^zone.Length];
        return label.Length > 0 && !label.Contains('.');
    }

    /// <summary>Apexes of the spec's wildcards that the spec does not also name.</summary>
    public static IReadOnlyList<string> UncoveredApexes(CertificateSpec spec)
    {
        var names = Names(spec);
        return [.. names.Where(n => n.StartsWith("*.", StringComparison.Ordinal)).Select(n => n[2..])
            .Where(apex => !names.Any(n => Covers(n, apex))).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    /// <summary>The hosts (DNS names or IP addresses) the spec's names and IP addresses do not cover, in order.</summary>
    public static IReadOnlyList<string> UncoveredHosts(CertificateSpec spec, IEnumerable<string> hosts)
    {
        var names = Names(spec);
        var addresses = (spec.IpAddresses ?? []).Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>().ToList();
        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase).Where(host => IPAddress.TryParse(host, out var ip)
            ? !addresses.Contains(ip)
            : !names.Any(n => Covers(n, host)))];
    }

    /// <summary>The sentence shown on the Certificate, or null when every wildcard's apex is named too.</summary>
    public static string? Note(CertificateSpec spec) => UncoveredApexes(spec) is { Count: > 0 } apexes
        ? $"{string.Join(", ", apexes.Select(a => $"*.{a} does not cover {a}"))}; add {string.Join(", ", apexes)} to spec.dnsNames if clients use {(apexes.Count == 1 ? "it" : "them")}"
        : null;

    private static List<string> Names(CertificateSpec spec)
    {
        var names = new List<string>(spec.DnsNames ?? []);
        if (spec.CommonName is { Length: > 0 } cn)
            names.Add(cn);
        return names;
    }
}
