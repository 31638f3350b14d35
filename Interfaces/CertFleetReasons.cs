namespace CertFleet.Interfaces;

/// <summary>
/// Condition reasons CertFleet adds where cert-manager has none, because cert-manager's admission webhook would have
/// refused the object or because cert-manager only logs the problem. Each comes with a message naming the field and the fix.
/// </summary>
public static class CertFleetReasons
{
    /// <summary>The spec is invalid (cert-manager's webhook would reject it); nothing is issued until it is fixed.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>Another Certificate already owns spec.secretName; this one waits instead of fighting over the Secret.</summary>
    public const string SecretInUse = "SecretInUse";

    /// <summary>The referenced issuer does not exist (yet).</summary>
    public const string IssuerNotFound = "IssuerNotFound";

    /// <summary>The referenced issuer exists but is not Ready.</summary>
    public const string IssuerNotReady = "IssuerNotReady";

    /// <summary>issuerRef names a group CertFleet does not serve (an external issuer).</summary>
    public const string IssuerNotServed = "IssuerNotServed";

    /// <summary>spec.acme.profile names a profile the ACME server does not advertise; nothing is ordered until it is fixed.</summary>
    public const string InvalidProfile = "InvalidProfile";

    /// <summary>Writing to the Kubernetes API failed after retries; CertFleet retries with backoff.</summary>
    public const string ApiError = "KubernetesAPIError";

    /// <summary>An ACME order would exceed a rate-limit budget, or the CA answered 429: nothing is ordered until it reopens.</summary>
    public const string RateLimited = "RateLimited";

    /// <summary>Another Certificate asks the same ACME server for the same identifier set (Warning Event).</summary>
    public const string DuplicateCertificate = "DuplicateCertificate";

    /// <summary>FleetCertificate: its home Certificate has not issued a certificate yet; copies follow once it has.</summary>
    public const string WaitingForIssuance = "WaitingForIssuance";

    /// <summary>FleetCertificate: a Certificate of the home Certificate's name exists that it did not make; it is left alone.</summary>
    public const string CertificateInUse = "CertificateInUse";

    /// <summary>FleetCertificate: some placed copies are not current (unreachable member, missing namespace, a Secret it does not own).</summary>
    public const string CopiesNotCurrent = "CopiesNotCurrent";

    /// <summary>FleetCertificate: the home Certificate is issued and every placed copy holds its certificate.</summary>
    public const string CopiesCurrent = "CopiesCurrent";

    /// <summary>A FleetCertificate's HTTP-01 solver route could not be made in a placed member cluster (Warning Event on the Challenge).</summary>
    public const string FleetSolverRouteError = "FleetSolverRouteError";

    /// <summary>A member cluster's solver route could not be deleted within the bound; it is left there (Warning Event on the Challenge).</summary>
    public const string FleetSolverRouteLeft = "FleetSolverRouteLeft";
}
