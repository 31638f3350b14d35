using CertFleet.Grains.Policies;
using CertFleet.Providers.Http01;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Configuration;

namespace CertFleet.Grains;

/// <summary>
/// Settings the grains need, bound by the Silo from the CertFleet configuration section: a member whose key is not its
/// own name says which key it reads (<see cref="ConfigurationKeyNameAttribute"/>, relative to CertFleet).
/// </summary>
public sealed class IssuanceOptions
{
    /// <summary>Namespace whose Secrets ClusterIssuers read (cert-manager's --cluster-resource-namespace).</summary>
    public string ClusterResourceNamespace { get; set; } = "cert-manager";

    /// <summary>The home cluster's name (CertFleet:ClusterName): only its Certificates act for a FleetCertificate.</summary>
    [ConfigurationKeyName("ClusterName")]
    public string HomeCluster { get; set; } = "local";

    /// <summary>Approve CertificateRequests as cert-manager's built-in approver does; off means another approver decides.</summary>
    public bool AutoApprove { get; set; } = true;

    /// <summary>
    /// Signers the built-in approver approves, each <c>&lt;resource&gt;.&lt;group&gt;/*</c> (cert-manager's
    /// approveSignerNames). Empty means cert-manager.io Issuers and ClusterIssuers; a list replaces that default, so an
    /// external issuer's signers are added next to those two.
    /// </summary>
    [ConfigurationKeyName("Approver:SignerNames")]
    public List<string> ApproverSignerNames { get; set; } = [];

    /// <summary>The signers approved: <see cref="ApproverSignerNames"/> or, when empty, cert-manager's default.</summary>
    public IReadOnlyList<string> ApprovedSigners() =>
        ApproverSignerNames is { Count: > 0 } names ? names : Issuance.SignerNames.CertManagerDefaults;

    /// <summary>
    /// Certificate passes one silo runs at once (<see cref="Certificates.CertificatePassSlots"/>); more wait their turn
    /// without holding their grain, so a burst of thousands never makes the bridge's calls to them expire.
    /// </summary>
    [ConfigurationKeyName("Certificates:PassesInFlight")]
    public int CertificatePassesInFlight { get; set; } = 64;

    /// <summary>How long a CA key pair read from its Secret is reused before it is read again.</summary>
    public TimeSpan CaKeyPairCacheTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Service in front of every silo's HTTP-01 responder, which solver Ingresses and HTTPRoutes point at.</summary>
    [ConfigurationKeyName("Http01:SolverServiceName")]
    public string Http01SolverServiceName { get; set; } = "certfleet-solver";

    /// <summary>The solver Service exposes the responder on the same port number it listens on.</summary>
    [ConfigurationKeyName("Http01:SolverPort")]
    public int Http01SolverPort { get; set; } = 8089;

    /// <summary>
    /// DNS-01 propagation is checked at these nameservers (cert-manager's --dns01-recursive-nameservers) when a solver
    /// names none; empty means every authoritative nameserver of the zone.
    /// </summary>
    [ConfigurationKeyName("Dns01:RecursiveNameservers")]
    public List<string> Dns01RecursiveNameservers { get; set; } = [];

    /// <summary>Check CAA records (through the recursive nameservers) before ordering, and order nothing the CA would refuse.</summary>
    [ConfigurationKeyName("Dns01:CaaPreflight")]
    public bool CaaPreflight { get; set; } = true;

    /// <summary>API endpoints of the DNS providers; unset means the vendors' own. Tests point them at local fakes.</summary>
    [ConfigurationKeyName("Dns01:CloudflareApiUrl")]
    public string? CloudflareApiUrl { get; set; }

    [ConfigurationKeyName("Dns01:Route53Endpoint")]
    public string? Route53Endpoint { get; set; }

    [ConfigurationKeyName("Dns01:AzureArmEndpoint")]
    public string? AzureArmEndpoint { get; set; }

    /// <summary>Google Cloud DNS API root; unset means https://dns.googleapis.com. (OAuth tokens come from the key's token_uri.)</summary>
    [ConfigurationKeyName("Dns01:CloudDnsApiUrl")]
    public string? CloudDnsApiUrl { get; set; }

    /// <summary>DigitalOcean API root; unset means https://api.digitalocean.com.</summary>
    [ConfigurationKeyName("Dns01:DigitalOceanApiUrl")]
    public string? DigitalOceanApiUrl { get; set; }

    /// <summary>Replaces https://&lt;akamai.serviceConsumerDomain&gt; for every Akamai solver (EdgeGrid still signs).</summary>
    [ConfigurationKeyName("Dns01:AkamaiEndpoint")]
    public string? AkamaiEndpoint { get; set; }

    /// <summary>AWS STS, for Route53's <c>role</c>; unset means https://sts.amazonaws.com.</summary>
    [ConfigurationKeyName("Dns01:StsEndpoint")]
    public string? StsEndpoint { get; set; }

    /// <summary>Entra ID authority for Azure DNS credentials; unset means the one of the solver's <c>environment</c>.</summary>
    [ConfigurationKeyName("Dns01:AzureAuthorityHost")]
    public string? AzureAuthorityHost { get; set; }

    /// <summary>
    /// Without ARI, renewals move earlier by up to this percentage of the certificate's lifetime (a fixed fraction per
    /// certificate), so a fleet issued together does not renew in the same second. 0 (the default) keeps
    /// cert-manager's renewalTime exactly.
    /// </summary>
    [ConfigurationKeyName("Renewal:JitterPercent")]
    public double RenewalJitterPercent { get; set; }

    /// <summary>New orders one silo sends to one ACME account at once (<see cref="Providers.Acme.AcmeNewOrderTurns"/>).</summary>
    [ConfigurationKeyName("Acme:NewOrdersInFlight")]
    public int AcmeNewOrdersInFlight { get; set; } = Providers.Acme.AcmeNewOrderTurns.DefaultInFlight;

    /// <summary>Lower bound of the ARI Retry-After this controller obeys (1 h, as cert-manager); tests shorten it.</summary>
    [ConfigurationKeyName("Renewal:AriMinimumRecheck")]
    public TimeSpan AriMinimumRecheck { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a namespaced Issuer's Route53, Azure DNS or Cloud DNS solver may use the controller's own identity (AWS
    /// default chain, Azure managed or workload identity, Google application default credentials); cert-manager's
    /// --issuer-ambient-credentials. Off: a tenant could otherwise
    /// act as the controller.
    /// </summary>
    [ConfigurationKeyName("Dns01:IssuerAmbientCredentials")]
    public bool IssuerAmbientCredentials { get; set; }

    /// <summary>The same for ClusterIssuers, which only cluster admins create; cert-manager's --cluster-issuer-ambient-credentials.</summary>
    [ConfigurationKeyName("Dns01:ClusterIssuerAmbientCredentials")]
    public bool ClusterIssuerAmbientCredentials { get; set; } = true;

    /// <summary>
    /// First delay of the failure backoff, which doubles after each failed issuance (cert-manager's
    /// --certificate-request-minimum-backoff-duration, a Go duration such as 1h or 30m).
    /// </summary>
    public string CertificateRequestMinimumBackoffDuration { get; set; } = "1h";

    /// <summary>Longest delay of the failure backoff (cert-manager's --certificate-request-maximum-backoff-duration, e.g. 32h or 8h).</summary>
    public string CertificateRequestMaximumBackoffDuration { get; set; } = "32h";

    /// <summary>The failure backoff these settings describe (the defaults when they are invalid: the silo refuses to start then).</summary>
    public IssuanceBackoff FailureBackoff =>
        GoDuration.TryParse(CertificateRequestMinimumBackoffDuration, out var minimum) && minimum > TimeSpan.Zero
        && GoDuration.TryParse(CertificateRequestMaximumBackoffDuration, out var maximum) && maximum >= minimum
            ? new IssuanceBackoff(minimum, maximum)
            : IssuanceBackoff.Default;

    /// <summary>
    /// A Vault issuer's kubernetes auth with neither secretRef nor serviceAccountRef logs in with the controller's own
    /// service account token, read from this file (the pod's projected token), under the ambient-credentials rules above.
    /// </summary>
    [ConfigurationKeyName("Vault:ServiceAccountTokenFile")]
    public string VaultServiceAccountTokenFile { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>What keeps these settings from working, each message naming its key under <paramref name="section"/>.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (string.IsNullOrWhiteSpace(ClusterResourceNamespace))
            yield return $"{section}:ClusterResourceNamespace must name a namespace, e.g. cert-manager";
        if (CertificatePassesInFlight is < 1 or > 10000)
            yield return $"{section}:Certificates:PassesInFlight must be between 1 and 10000 (got {CertificatePassesInFlight})";
        if (CaKeyPairCacheTime < TimeSpan.Zero || CaKeyPairCacheTime > TimeSpan.FromHours(1))
            yield return $"{section}:CaKeyPairCacheTime must be a time span from 00:00:00 to 01:00:00, e.g. 00:00:30 (got {CaKeyPairCacheTime})";
        if (!KubernetesNames.IsServiceName(Http01SolverServiceName))
            yield return
                $"{section}:Http01:SolverServiceName must be a Service name (lower-case letters, digits and '-', at most 63) (got \"{Http01SolverServiceName}\")";
        foreach (var nameserver in Dns01RecursiveNameservers)
            if (!NameserverEndpoint.TryParse(nameserver, out _))
                yield return $"{section}:Dns01:RecursiveNameservers: \"{nameserver}\" is not an IP address with an optional port, e.g. 10.96.0.10:53";
        foreach (var (key, url) in new[] { ("CloudflareApiUrl", CloudflareApiUrl), ("Route53Endpoint", Route53Endpoint), ("AzureArmEndpoint", AzureArmEndpoint),
                     ("StsEndpoint", StsEndpoint), ("AzureAuthorityHost", AzureAuthorityHost), ("CloudDnsApiUrl", CloudDnsApiUrl),
                     ("DigitalOceanApiUrl", DigitalOceanApiUrl), ("AkamaiEndpoint", AkamaiEndpoint) })
            if (url is { Length: > 0 } && !Uri.TryCreate(url, UriKind.Absolute, out _))
                yield return $"{section}:Dns01:{key}: \"{url}\" is not an absolute URL";
        if (RenewalJitterPercent is < 0 or > 50 || double.IsNaN(RenewalJitterPercent))
            yield return $"{section}:Renewal:JitterPercent must be between 0 and 50 (percent of the certificate's lifetime; got {RenewalJitterPercent})";
        if (AriMinimumRecheck <= TimeSpan.Zero || AriMinimumRecheck > TimeSpan.FromDays(7))
            yield return $"{section}:Renewal:AriMinimumRecheck must be a positive time span of at most 7 days, e.g. 01:00:00 (got {AriMinimumRecheck})";
        var minimumValid = GoDuration.TryParse(CertificateRequestMinimumBackoffDuration, out var minimum) && minimum > TimeSpan.Zero;
        if (!minimumValid)
            yield return $"{section}:CertificateRequestMinimumBackoffDuration must be a positive Go duration, e.g. 1h or 30m (got \"{CertificateRequestMinimumBackoffDuration}\")";
        if (!GoDuration.TryParse(CertificateRequestMaximumBackoffDuration, out var maximum) || maximum <= TimeSpan.Zero)
            yield return $"{section}:CertificateRequestMaximumBackoffDuration must be a positive Go duration, e.g. 32h or 8h (got \"{CertificateRequestMaximumBackoffDuration}\")";
        else if (minimumValid && maximum < minimum)
            yield return
                $"{section}:CertificateRequestMaximumBackoffDuration ({CertificateRequestMaximumBackoffDuration}) must not be shorter than CertificateRequestMinimumBackoffDuration ({CertificateRequestMinimumBackoffDuration})";
        foreach (var name in ApproverSignerNames)
            if (Issuance.SignerNames.Problem(name) is { } problem)
                yield return $"{section}:Approver:SignerNames: {problem}";
        if (string.IsNullOrWhiteSpace(VaultServiceAccountTokenFile))
            yield return $"{section}:Vault:ServiceAccountTokenFile must name a file, e.g. /var/run/secrets/kubernetes.io/serviceaccount/token";
        if (AcmeNewOrdersInFlight is < 1 or > 1000)
            yield return $"{section}:Acme:NewOrdersInFlight must be between 1 and 1000 (got {AcmeNewOrdersInFlight})";
    }
}
