using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>A wanted X.509 certificate, kept signed and current in the Secret named by spec.secretName.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, ShortNames = ["cert", "certs"], Categories = ["cert-manager"])]
[PrinterColumn("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", Order = 0)]
[PrinterColumn("Secret", "string", ".spec.secretName", Order = 1)]
[PrinterColumn("Issuer", "string", ".spec.issuerRef.name", Priority = 1, Order = 2)]
[PrinterColumn("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", Priority = 1, Order = 3)]
// type string as cert-manager's: kubectl prints a date column as an age, "<invalid>" for a time in the future.
[PrinterColumn("Expiration", "string", ".status.notAfter", Priority = 1, Order = 4,
    Description = "When the certificate in the Secret stops being valid.")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 5,
    Description = "Time since the resource was created.")]
[SelectableField(".spec.issuerRef.group")]
[SelectableField(".spec.issuerRef.kind")]
[SelectableField(".spec.issuerRef.name")]
[Description("A Certificate asks for an X.509 certificate and private key to be issued, stored in a Secret and renewed before it expires.")]
[GenerateSerializer, Alias("certfleet.api.Certificate")]
public sealed record Certificate
{
    public const string Group = "cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "Certificate";
    public const string Plural = "certificates";
    public const string Singular = "certificate";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Description("What certificate to issue and where to store it.")]
    public CertificateSpec Spec { get; init => field = value ?? new(); } = new(); // "spec": null reads as an empty spec

    [Id(4), Description("Progress and outcome of issuance, written by the controller.")]
    public CertificateStatus? Status { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CertificateSpec")]
public sealed record CertificateSpec
{
    [Id(0), Required, MinLength(1), Description("Secret that receives the private key and signed certificate; created and kept up to date by the controller.")]
    public string SecretName { get; init; } = "";

    [Id(1), Required, Description("The issuer that signs the certificate.")]
    public IssuerRef IssuerRef { get; init; } = new();

    [Id(2), MaxLength(64), Description("Subject common name. Clients ignore it when SANs are present; at most 64 characters.")]
    public string? CommonName { get; init; }

    [Id(3), Description("Subject as an RFC 4514 string, used verbatim; cannot be combined with commonName or subject.")]
    public string? LiteralSubject { get; init; }

    [Id(4), Description("Structured subject fields besides the common name.")]
    public X509Subject? Subject { get; init; }

    [Id(5), Description("DNS names to put in the subject alternative names.")]
    public List<string>? DnsNames { get; init; }

    [Id(6), Description("IP addresses to put in the subject alternative names.")]
    public List<string>? IpAddresses { get; init; }

    [Id(7), Description("URIs to put in the subject alternative names.")]
    public List<string>? Uris { get; init; }

    [Id(8), Description("Email addresses to put in the subject alternative names.")]
    public List<string>? EmailAddresses { get; init; }

    [Id(9), Description("otherName subject alternative names, each an OID with a UTF-8 string value.")]
    public List<OtherName>? OtherNames { get; init; }

    [Id(10), Description("Requested lifetime as a Go duration (for example 2160h); issuers may shorten it. At least 1h; 2160h when unset.")]
    public string? Duration { get; init; }

    [Id(11), Description("Renew this long before expiry, as a Go duration; at least 5m and shorter than the lifetime. Excludes renewBeforePercentage.")]
    public string? RenewBefore { get; init; }

    [Id(12), Minimum(1), Maximum(99), Description("Renew when this percentage of the lifetime remains. Excludes renewBefore.")]
    public int? RenewBeforePercentage { get; init; }

    [Id(13), Description("Renewal policy and optional windows in which renewals may start.")]
    public CertificateRenewal? Renewal { get; init; }

    [Id(14), Description("Issue a CA certificate, which adds the cert sign usage.")]
    public bool? IsCA { get; init; }

    [Id(15), Enum(KeyUsages.Signing, KeyUsages.DigitalSignature, KeyUsages.ContentCommitment, KeyUsages.KeyEncipherment,
         KeyUsages.KeyAgreement, KeyUsages.DataEncipherment, KeyUsages.CertSign, KeyUsages.CrlSign, KeyUsages.EncipherOnly,
         KeyUsages.DecipherOnly, KeyUsages.Any, KeyUsages.ServerAuth, KeyUsages.ClientAuth, KeyUsages.CodeSigning,
         KeyUsages.EmailProtection, KeyUsages.SMime, KeyUsages.IpsecEndSystem, KeyUsages.IpsecTunnel, KeyUsages.IpsecUser,
         KeyUsages.Timestamping, KeyUsages.OcspSigning, KeyUsages.MicrosoftSgc, KeyUsages.NetscapeSgc),
     Description("Key usages and extended key usages to request; digital signature and key encipherment when unset.")]
    public List<string>? Usages { get; init; }

    [Id(16), Description("Whether the CSR carries the key usage extensions; true when unset.")]
    public bool? EncodeUsagesInRequest { get; init; }

    [Id(17), Description("How the private key is generated, encoded and rotated.")]
    public CertificatePrivateKey? PrivateKey { get; init; }

    [Id(18), Enum(SignatureAlgorithms.Sha256WithRsa, SignatureAlgorithms.Sha384WithRsa, SignatureAlgorithms.Sha512WithRsa,
         SignatureAlgorithms.EcdsaWithSha256, SignatureAlgorithms.EcdsaWithSha384, SignatureAlgorithms.EcdsaWithSha512,
         SignatureAlgorithms.PureEd25519),
     Description("Signature algorithm to request; chosen from the key type and size when unset.")]
    public string? SignatureAlgorithm { get; init; }

    [Id(19), Description("Labels and annotations copied onto the Secret.")]
    public TemplateMetadata? SecretTemplate { get; init; }

    [Id(20), Description("Extra encodings of the key and chain written into the Secret.")]
    public List<CertificateAdditionalOutputFormat>? AdditionalOutputFormats { get; init; }

    [Id(21), Description("JKS and PKCS#12 keystores written into the Secret.")]
    public CertificateKeystores? Keystores { get; init; }

    [Id(22), Minimum(1), Description("How many CertificateRequests to keep per Certificate; oldest are removed first.")]
    public int? RevisionHistoryLimit { get; init; }

    [Id(23), Description("Name constraints for a CA certificate; requires isCA.")]
    public NameConstraints? NameConstraints { get; init; }

    [Id(24), Enum(DnsPolicies.Http01, DnsPolicies.Dns01),
     Description("CertFleet extension: restricts ACME solver choice to HTTP-01 or DNS-01 solvers.")]
    public string? DnsPolicy { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.X509Subject")]
public sealed record X509Subject
{
    [Id(0), Description("Organizations (O).")] public List<string>? Organizations { get; init; }
    [Id(1), Description("Countries (C).")] public List<string>? Countries { get; init; }
    [Id(2), Description("Organizational units (OU).")] public List<string>? OrganizationalUnits { get; init; }
    [Id(3), Description("Localities or cities (L).")] public List<string>? Localities { get; init; }
    [Id(4), Description("States or provinces (ST).")] public List<string>? Provinces { get; init; }
    [Id(5), Description("Street addresses.")] public List<string>? StreetAddresses { get; init; }
    [Id(6), Description("Postal codes.")] public List<string>? PostalCodes { get; init; }
    [Id(7), Description("Subject serial number.")] public string? SerialNumber { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.OtherName")]
public sealed record OtherName
{
    [Id(0), Description("Object identifier of the otherName type, dotted.")]
    public string? Oid { get; init; }

    [Id(1), Description("Value, encoded as a UTF8String.")]
    public string? Utf8Value { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.CertificatePrivateKey")]
public sealed record CertificatePrivateKey
{
    [Id(0), Enum(PrivateKeyAlgorithms.Rsa, PrivateKeyAlgorithms.Ecdsa, PrivateKeyAlgorithms.Ed25519),
     Description("Key algorithm; RSA when unset.")]
    public string? Algorithm { get; init; }

    [Id(1), Description("Key size in bits: 2048 to 8192 for RSA (2048), 256, 384 or 521 for ECDSA (256); ignored for Ed25519.")]
    public int? Size { get; init; }

    [Id(2), Enum(PrivateKeyEncodings.Pkcs1, PrivateKeyEncodings.Pkcs8),
     Description("PEM encoding of tls.key; PKCS1 when unset. Ed25519 keys are always PKCS8.")]
    public string? Encoding { get; init; }

    [Id(3), Enum(PrivateKeyRotationPolicies.Never, PrivateKeyRotationPolicies.Always),
     Description("Always makes a new key for every issuance; Never reuses the key already in the Secret. Always when unset.")]
    public string? RotationPolicy { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.CertificateAdditionalOutputFormat")]
public sealed record CertificateAdditionalOutputFormat
{
    [Id(0), Required, Enum(AdditionalOutputFormats.Der, AdditionalOutputFormats.CombinedPem),
     Description("DER writes key.der; CombinedPEM writes tls-combined.pem (key, then chain).")]
    public string Type { get; init; } = "";
}

[GenerateSerializer, Immutable, Alias("certfleet.api.CertificateKeystores")]
public sealed record CertificateKeystores
{
    [Id(0), Description("Write keystore.jks and truststore.jks.")]
    public JksKeystore? Jks { get; init; }

    [Id(1), Description("Write keystore.p12 and truststore.p12.")]
    public Pkcs12Keystore? Pkcs12 { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.JksKeystore")]
public sealed record JksKeystore
{
    [Id(0), Required, Description("Whether to write the JKS keystore; it is refreshed on each issuance.")]
    public bool Create { get; init; }

    [Id(1), Description("Alias of the key entry; certificate when unset.")]
    public string? Alias { get; init; }

    [Id(2), Description("Secret entry holding the keystore password; excludes password.")]
    public SecretKeySelector? PasswordSecretRef { get; init; }

    [Id(3), Description("Keystore password given inline; excludes passwordSecretRef.")]
    public string? Password { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.Pkcs12Keystore")]
public sealed record Pkcs12Keystore
{
    [Id(0), Required, Description("Whether to write the PKCS#12 keystore; it is refreshed on each issuance.")]
    public bool Create { get; init; }

    [Id(1), Enum(Pkcs12Profiles.LegacyRc2, Pkcs12Profiles.LegacyDes, Pkcs12Profiles.Modern2023, Pkcs12Profiles.Modern2026),
     Description("Encryption and MAC algorithms of the file; LegacyRC2 when unset.")]
    public string? Profile { get; init; }

    [Id(2), Description("Secret entry holding the keystore password; excludes password.")]
    public SecretKeySelector? PasswordSecretRef { get; init; }

    [Id(3), Description("Keystore password given inline; excludes passwordSecretRef.")]
    public string? Password { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.NameConstraints")]
public sealed record NameConstraints
{
    [Id(0), Description("Mark the name constraints extension critical.")]
    public bool? Critical { get; init; }

    [Id(1), Description("Names certificates below this CA may use.")]
    public NameConstraintItem? Permitted { get; init; }

    [Id(2), Description("Names certificates below this CA may not use.")]
    public NameConstraintItem? Excluded { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.NameConstraintItem")]
public sealed record NameConstraintItem
{
    [Id(0), Description("DNS domains.")] public List<string>? DnsDomains { get; init; }
    [Id(1), Description("IP ranges in CIDR notation.")] public List<string>? IpRanges { get; init; }
    [Id(2), Description("Email addresses or domains.")] public List<string>? EmailAddresses { get; init; }
    [Id(3), Description("URI domains.")] public List<string>? UriDomains { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CertificateRenewal")]
public sealed record CertificateRenewal
{
    [Id(0), Enum(RenewalPolicies.RenewBefore, RenewalPolicies.Disabled),
     Description("RenewBefore renews ahead of expiry; Disabled never renews automatically.")]
    public string? Policy { get; init; }

    [Id(1), Description("Windows in which a renewal may start; renewBefore's time is kept when it is in one, else the renewal waits for the next window.")]
    public List<RenewalWindow>? Windows { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.RenewalWindow")]
public sealed record RenewalWindow
{
    [Id(0), Required, Description("Cron expression for the start of each window.")]
    public string Cron { get; init; } = "";

    [Id(1), Required, Description("Length of each window as a Go duration.")]
    public string WindowDuration { get; init; } = "";

    [Id(2), Description("IANA time zone the cron expression is read in; UTC when unset.")]
    public string? Timezone { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CertificateStatus")]
public sealed record CertificateStatus
{
    [Id(0), ListMapKeys("type"), Description("Ready and Issuing conditions.")]
    public List<Condition>? Conditions { get; init; }

    [Id(1), Description("When the last issuance attempt failed; drives the retry backoff.")]
    public DateTimeOffset? LastFailureTime { get; init; }

    [Id(2), Description("Start of validity of the certificate in the Secret.")]
    public DateTimeOffset? NotBefore { get; init; }

    [Id(3), Description("End of validity of the certificate in the Secret.")]
    public DateTimeOffset? NotAfter { get; init; }

    [Id(4), Description("When the next renewal is due; unset when none is scheduled.")]
    public DateTimeOffset? RenewalTime { get; init; }

    [Id(5), Description("Revision of the issued certificate; the next CertificateRequest carries this plus one.")]
    public int? Revision { get; init; }

    [Id(6), Description("Secret holding the private key for the issuance in progress.")]
    public string? NextPrivateKeySecretName { get; init; }

    [Id(7), Description("Consecutive failed issuance attempts; reset on success.")]
    public int? FailedIssuanceAttempts { get; init; }

    [Id(8), Description("ACME-specific status such as renewal information (ARI).")]
    public CertificateAcmeStatus? Acme { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.CertificateAcmeStatus")]
public sealed record CertificateAcmeStatus
{
    [Id(0), Description("What the CA last said about when to renew (RFC 9773 renewal information).")]
    public AcmeRenewalInfo? Ari { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.AcmeRenewalInfo")]
public sealed record AcmeRenewalInfo
{
    [Id(0), Description("The window the CA suggests renewing in.")]
    public RenewalInfoWindow? SuggestedWindow { get; init; }

    [Id(1), JsonPropertyName("explanationURL"), Description("Page where the CA explains the suggestion.")]
    public string? ExplanationUrl { get; init; }

    [Id(2), Description("When renewal information was last fetched.")]
    public DateTimeOffset? LastChecked { get; init; }

    [Id(3), Description("When renewal information will next be fetched.")]
    public DateTimeOffset? NextCheck { get; init; }

    [Id(4), Description("Error of the last fetch, if it failed.")]
    public string? LastError { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.RenewalInfoWindow")]
public sealed record RenewalInfoWindow
{
    [Id(0), Description("Start of the suggested window.")] public DateTimeOffset? Start { get; init; }
    [Id(1), Description("End of the suggested window.")] public DateTimeOffset? End { get; init; }
}
