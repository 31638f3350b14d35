using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>One signing request (a PEM CSR) sent to an issuer; its spec never changes after creation.</summary>
[CustomResource(Group, Version, KindName, Plural, Singular, ShortNames = ["cr", "crs"], Categories = ["cert-manager"])]
[PrinterColumn("Approved", "string", """.status.conditions[?(@.type == "Approved")].status""", Order = 0)]
[PrinterColumn("Denied", "string", """.status.conditions[?(@.type == "Denied")].status""", Order = 1)]
[PrinterColumn("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", Order = 2)]
[PrinterColumn("Issuer", "string", ".spec.issuerRef.name", Order = 3)]
[PrinterColumn("Requester", "string", ".spec.username", Order = 4)]
[PrinterColumn("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", Priority = 1, Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 6, Description = "Time since the resource was created.")]
[SelectableField(".spec.issuerRef.group")]
[SelectableField(".spec.issuerRef.kind")]
[SelectableField(".spec.issuerRef.name")]
[Description("A CertificateRequest carries one CSR to an issuer and receives the signed certificate once approved.")]
[GenerateSerializer, Alias("certfleet.api.CertificateRequest")]
public sealed record CertificateRequest
{
    public const string Group = "cert-manager.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "CertificateRequest";
    public const string Plural = "certificaterequests";
    public const string Singular = "certificaterequest";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Description("The CSR and how it should be signed.")]
    public CertificateRequestSpec Spec { get; init => field = value ?? new(); } = new(); // "spec": null reads as an empty spec

    [Id(4), Description("Approval and signing outcome, written by approvers and the controller.")]
    public CertificateRequestStatus? Status { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CertificateRequestSpec")]
public sealed record CertificateRequestSpec
{
    [Id(0), Required, Description("PEM-encoded PKCS#10 certificate signing request (base64 in JSON).")]
    public byte[] Request { get; init; } = [];

    [Id(1), Required, Description("The issuer that signs the request.")]
    public IssuerRef IssuerRef { get; init; } = new();

    [Id(2), Description("Requested lifetime as a Go duration; issuers may shorten it.")]
    public string? Duration { get; init; }

    [Id(3), Description("Request a CA certificate.")]
    public bool? IsCA { get; init; }

    [Id(4), Enum(KeyUsages.Signing, KeyUsages.DigitalSignature, KeyUsages.ContentCommitment, KeyUsages.KeyEncipherment,
         KeyUsages.KeyAgreement, KeyUsages.DataEncipherment, KeyUsages.CertSign, KeyUsages.CrlSign, KeyUsages.EncipherOnly,
         KeyUsages.DecipherOnly, KeyUsages.Any, KeyUsages.ServerAuth, KeyUsages.ClientAuth, KeyUsages.CodeSigning,
         KeyUsages.EmailProtection, KeyUsages.SMime, KeyUsages.IpsecEndSystem, KeyUsages.IpsecTunnel, KeyUsages.IpsecUser,
         KeyUsages.Timestamping, KeyUsages.OcspSigning, KeyUsages.MicrosoftSgc, KeyUsages.NetscapeSgc),
     Description("Key usages requested; taken from the CSR when unset.")]
    public List<string>? Usages { get; init; }

    [Id(5), Description("User that created the request; set at admission and not changeable.")]
    public string? Username { get; init; }

    [Id(6), Description("UID of the user that created the request; set at admission.")]
    public string? Uid { get; init; }

    [Id(7), Description("Groups of the user that created the request; set at admission.")]
    public List<string>? Groups { get; init; }

    [Id(8), Description("Extra attributes of the user that created the request; set at admission.")]
    public Dictionary<string, List<string>>? Extra { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.CertificateRequestStatus")]
public sealed record CertificateRequestStatus
{
    [Id(0), ListMapKeys("type"), Description("Ready, Approved, Denied and InvalidRequest conditions.")]
    public List<CertificateRequestCondition>? Conditions { get; init; }

    [Id(1), Description("The signed PEM certificate, possibly followed by intermediates (base64 in JSON).")]
    public byte[]? Certificate { get; init; }

    [Id(2), Description("PEM certificate of the CA that signed, when the issuer knows it (base64 in JSON).")]
    public byte[]? CA { get; init; }

    [Id(3), Description("When signing failed for good.")]
    public DateTimeOffset? FailureTime { get; init; }
}
