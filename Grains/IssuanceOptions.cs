namespace CertFleet.Grains;

/// <summary>Settings the grains need; bound by the Silo from the CertFleet configuration section.</summary>
public sealed class IssuanceOptions
{
    /// <summary>Namespace whose Secrets ClusterIssuers read (cert-manager's --cluster-resource-namespace).</summary>
    public string ClusterResourceNamespace { get; set; } = "cert-manager";

    /// <summary>Approve CertificateRequests as cert-manager's built-in approver does; off means another approver decides.</summary>
    public bool AutoApprove { get; set; } = true;

    /// <summary>How long a CA key pair read from its Secret is reused before it is read again.</summary>
    public TimeSpan CaKeyPairCacheTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Service in front of every silo's HTTP-01 responder, which solver Ingresses and HTTPRoutes point at.</summary>
    public string Http01SolverServiceName { get; set; } = "certfleet-solver";

    public int Http01SolverPort { get; set; } = 8089;

    /// <summary>
    /// DNS-01 propagation is checked at these nameservers (cert-manager's --dns01-recursive-nameservers) when a solver
    /// names none; empty means every authoritative nameserver of the zone.
    /// </summary>
    public List<string> Dns01RecursiveNameservers { get; set; } = [];

    /// <summary>Check CAA records (through the recursive nameservers) before ordering, and order nothing the CA would refuse.</summary>
    public bool CaaPreflight { get; set; } = true;

    /// <summary>API endpoints of the DNS providers; unset means the vendors' own. Tests point them at local fakes.</summary>
    public string? CloudflareApiUrl { get; set; }

    public string? Route53Endpoint { get; set; }

    public string? AzureArmEndpoint { get; set; }

    /// <summary>AWS STS, for Route53's <c>role</c>; unset means https://sts.amazonaws.com.</summary>
    public string? StsEndpoint { get; set; }

    /// <summary>Entra ID authority for Azure DNS credentials; unset means the one of the solver's <c>environment</c>.</summary>
    public string? AzureAuthorityHost { get; set; }
}
