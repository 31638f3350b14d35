namespace CertFleet.Silo;

/// <summary>The "CertFleet:Dns01" section: how the controller sees DNS for DNS-01 propagation and CAA checks.</summary>
public sealed class Dns01Settings
{
    /// <summary>
    /// Nameservers ("ip:port") asked for DNS-01 propagation and CAA when a solver names none (cert-manager's
    /// --dns01-recursive-nameservers); empty: the zone's authoritative nameservers, found through the system resolver.
    /// </summary>
    public List<string> RecursiveNameservers { get; set; } = [];

    /// <summary>Check CAA before ordering and order nothing the CA would refuse.</summary>
    public bool CaaPreflight { get; set; } = true;

    /// <summary>Provider API endpoints; unset means the vendors' own (tests point them at local fakes).</summary>
    public string? CloudflareApiUrl { get; set; }

    public string? Route53Endpoint { get; set; }

    public string? AzureArmEndpoint { get; set; }

    public string? StsEndpoint { get; set; }

    public string? AzureAuthorityHost { get; set; }

    public IEnumerable<string> Problems(string section)
    {
        foreach (var nameserver in RecursiveNameservers)
            if (!CertFleet.Providers.Http01.NameserverEndpoint.TryParse(nameserver, out _))
                yield return $"{section}:Dns01:RecursiveNameservers: \"{nameserver}\" is not an IP address with an optional port, e.g. 10.96.0.10:53";
        foreach (var (key, url) in new[] { ("CloudflareApiUrl", CloudflareApiUrl), ("Route53Endpoint", Route53Endpoint), ("AzureArmEndpoint", AzureArmEndpoint),
                     ("StsEndpoint", StsEndpoint), ("AzureAuthorityHost", AzureAuthorityHost) })
            if (url is { Length: > 0 } && !Uri.TryCreate(url, UriKind.Absolute, out _))
                yield return $"{section}:Dns01:{key}: \"{url}\" is not an absolute URL";
    }
}
