namespace CertFleet.Interfaces.Api;

/// <summary>Annotation keys cert-manager users and tools rely on.</summary>
public static class Annotations
{
    private const string Prefix = "cert-manager.io/";
    private const string AcmePrefix = "acme.cert-manager.io/";

    // Written on the issued Secret (comma-separated lists where plural).
    public const string CertificateName = Prefix + "certificate-name";
    public const string IssuerName = Prefix + "issuer-name";
    public const string IssuerKind = Prefix + "issuer-kind";
    public const string IssuerGroup = Prefix + "issuer-group";
    public const string CommonName = Prefix + "common-name";
    public const string AltNames = Prefix + "alt-names";
    public const string IpSans = Prefix + "ip-sans";
    public const string UriSans = Prefix + "uri-sans";
    public const string EmailSans = Prefix + "email-sans";
    public const string SubjectOrganizations = Prefix + "subject-organizations";
    public const string SubjectOrganizationalUnits = Prefix + "subject-organizationalunits";
    public const string SubjectCountries = Prefix + "subject-countries";
    public const string SubjectProvinces = Prefix + "subject-provinces";
    public const string SubjectLocalities = Prefix + "subject-localities";
    public const string SubjectPostalCodes = Prefix + "subject-postalcodes";
    public const string SubjectStreetAddresses = Prefix + "subject-streetaddresses";
    public const string SubjectSerialNumber = Prefix + "subject-serialnumber";

    // Written on a CertificateRequest by the request manager.
    public const string CertificateRevision = Prefix + "certificate-revision";
    public const string PrivateKeySecretName = Prefix + "private-key-secret-name";

    /// <summary>On a Certificate: put a self-signed placeholder in the Secret while the real one is pending.</summary>
    public const string IssueTemporaryCertificate = Prefix + "issue-temporary-certificate";

    // ingress-shim and gateway-shim: on an Ingress or Gateway, they shape the Certificate created for it.
    public const string Issuer = Prefix + "issuer";
    public const string ClusterIssuer = Prefix + "cluster-issuer";
    public const string TlsAcme = "kubernetes.io/tls-acme";
    public const string Duration = Prefix + "duration";
    public const string RenewBefore = Prefix + "renew-before";
    public const string RenewBeforePercentage = Prefix + "renew-before-percentage";
    public const string Usages = Prefix + "usages";
    public const string RevisionHistoryLimit = Prefix + "revision-history-limit";
    public const string PrivateKeyAlgorithm = Prefix + "private-key-algorithm";
    public const string PrivateKeyEncoding = Prefix + "private-key-encoding";
    public const string PrivateKeySize = Prefix + "private-key-size";
    public const string PrivateKeyRotationPolicy = Prefix + "private-key-rotation-policy";
    public const string SecretTemplate = Prefix + "secret-template";
    public const string IgnoreTlsListeners = Prefix + "ignore-tls-listeners";

    // The shim reads these from the Ingress (first three) and writes the override ones on the Certificate.
    public const string Http01EditInPlace = AcmePrefix + "http01-edit-in-place";
    public const string Http01IngressClass = AcmePrefix + "http01-ingress-class";
    public const string Http01IngressClassName = AcmePrefix + "http01-ingress-ingressclassname";
    public const string Http01OverrideIngressName = AcmePrefix + "http01-override-ingress-name";
    public const string Http01OverrideIngressClass = AcmePrefix + "http01-override-ingress-class";
    public const string Http01OverrideIngressClassName = AcmePrefix + "http01-override-ingress-ingressclassname";

    // gateway-shim: the Gateway listener an HTTP-01 solver route attaches to.
    public const string Http01ParentRefName = AcmePrefix + "http01-parentrefname";
    public const string Http01ParentRefKind = AcmePrefix + "http01-parentrefkind";
    public const string Http01ParentRefNamespace = AcmePrefix + "http01-parentrefnamespace";

    /// <summary>Annotation prefixes not copied from a Certificate to its CertificateRequest by default.</summary>
    public static readonly IReadOnlyList<string> NotCopiedToRequestPrefixes =
        ["kubectl.kubernetes.io/", "fluxcd.io/", "argocd.argoproj.io/"];
}

/// <summary>Label keys and their fixed values.</summary>
public static class Labels
{
    /// <summary>"For attention of": marks Secrets the controller watches. Value <see cref="True"/>.</summary>
    public const string ControllerFao = "controller.cert-manager.io/fao";

    /// <summary>Marks a temporary Secret holding the next private key. Value <see cref="True"/>.</summary>
    public const string NextPrivateKey = "cert-manager.io/next-private-key";

    /// <summary>On HTTP-01 solver Pods, Services and routes. Value <see cref="True"/>.</summary>
    public const string Http01Solver = "acme.cert-manager.io/http01-solver";

    /// <summary>On HTTP-01 solver objects: hash of the domain being validated.</summary>
    public const string HttpDomain = "acme.cert-manager.io/http-domain";

    /// <summary>On HTTP-01 solver objects: hash of the challenge token.</summary>
    public const string HttpToken = "acme.cert-manager.io/http-token";

    public const string True = "true";
}

/// <summary>Keys of the issued Secret's data, and its type.</summary>
public static class SecretKeys
{
    public const string TlsCertificate = "tls.crt";
    public const string TlsPrivateKey = "tls.key";
    public const string CaCertificate = "ca.crt";
    public const string PrivateKeyDer = "key.der";
    public const string CombinedPem = "tls-combined.pem";
    public const string Pkcs12Keystore = "keystore.p12";
    public const string Pkcs12Truststore = "truststore.p12";
    public const string JksKeystore = "keystore.jks";
    public const string JksTruststore = "truststore.jks";

    /// <summary>Type of a Secret the controller creates.</summary>
    public const string TlsSecretType = "kubernetes.io/tls";
}
