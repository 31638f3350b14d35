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
    /// <summary>
    /// Without ARI, renewals move earlier by up to this percentage of the certificate's lifetime (a fixed fraction per
    /// certificate), so a fleet issued together does not renew in the same second. 0 (the default) keeps
    /// cert-manager's renewalTime exactly.
    /// </summary>
    public double RenewalJitterPercent { get; set; }

    /// <summary>New orders one silo sends to one ACME account at once (<see cref="Providers.Acme.AcmeNewOrderTurns"/>).</summary>
    public int AcmeNewOrdersInFlight { get; set; } = Providers.Acme.AcmeNewOrderTurns.DefaultInFlight;

    /// <summary>Lower bound of the ARI Retry-After this controller obeys (1 h, as cert-manager); tests shorten it.</summary>
    public TimeSpan AriMinimumRecheck { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a namespaced Issuer's Route53 or Azure DNS solver may use the controller's own identity (AWS default chain,
    /// Azure managed or workload identity); cert-manager's --issuer-ambient-credentials. Off: a tenant could otherwise
    /// act as the controller.
    /// </summary>
    public bool IssuerAmbientCredentials { get; set; }

    /// <summary>The same for ClusterIssuers, which only cluster admins create; cert-manager's --cluster-issuer-ambient-credentials.</summary>
    public bool ClusterIssuerAmbientCredentials { get; set; } = true;
}
