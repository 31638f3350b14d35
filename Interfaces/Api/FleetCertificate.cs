using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// CertFleet's own kind: one certificate, issued once in the home cluster, whose Secret is copied into every placed
/// member cluster and namespace.
/// </summary>
[CustomResource(Group, Version, KindName, Plural, Singular, Namespaced = false, ShortNames = ["fleetcert", "fleetcerts"], Categories = ["certfleet"])]
[PrinterColumn("Ready", "string", """.status.conditions[?(@.type == "Ready")].status""", Order = 0)]
[PrinterColumn("Copies", "string", ".status.copiesCurrent", Order = 1,
    Description = "Copies holding the current certificate, of those placed.")]
[PrinterColumn("Secret", "string", ".spec.certificate.secretName", Order = 2)]
[PrinterColumn("Status", "string", """.status.conditions[?(@.type == "Ready")].message""", Priority = 1, Order = 3)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 4, Description = "Time since the resource was created.")]
[Description("A FleetCertificate is issued once (one private key, one request) in the home cluster, and its Secret is copied into every placed member cluster and namespace.")]
[GenerateSerializer, Alias("certfleet.api.FleetCertificate")]
public sealed record FleetCertificate
{
    public const string Group = "certfleet.io";
    public const string Version = "v1alpha1";
    public const string GroupVersion = Group + "/" + Version;
    public const string KindName = "FleetCertificate";
    public const string Plural = "fleetcertificates";
    public const string Singular = "fleetcertificate";

    [Id(0)] public string ApiVersion { get; init; } = GroupVersion;
    [Id(1)] public string Kind { get; init; } = KindName;
    [Id(2)] public ObjectMeta Metadata { get; init; } = new();

    [Id(3), Required, Description("The certificate to issue and where to place its Secret.")]
    public FleetCertificateSpec Spec { get; init; } = new();

    [Id(4), Description("The home Certificate and every copy, written by the controller.")]
    public FleetCertificateStatus? Status { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.FleetCertificateSpec")]
public sealed record FleetCertificateSpec
{
    [Id(0), Required, Description("A Certificate spec. It is issued by a Certificate in the controller's namespace of the home cluster, so issuerRef kind Issuer names an Issuer there (ClusterIssuer is the usual choice); secretName names every copy.")]
    public CertificateSpec Certificate { get; init; } = new();

    [Id(1), Required, Description("Which member clusters and namespaces receive a copy of the Secret.")]
    public FleetCertificatePlacement Placement { get; init; } = new();
}

[GenerateSerializer, Alias("certfleet.api.FleetCertificatePlacement")]
public sealed record FleetCertificatePlacement
{
    [Id(0), Description("Members whose registration labels match are placed; {} matches every member. Adds to clusters.")]
    public LabelSelector? ClusterSelector { get; init; }

    [Id(1), Description("Members placed by name (the home cluster's name included). Adds to clusterSelector.")]
    public List<string>? Clusters { get; init; }

    [Id(2), Required, MinItems(1), Description("Namespaces that receive a copy in every placed cluster; they must exist there.")]
    public List<string> Namespaces { get; init; } = [];
}

/// <summary>A Kubernetes label selector: every matchLabels pair and every expression must hold.</summary>
[GenerateSerializer, Alias("certfleet.api.LabelSelector")]
public sealed record LabelSelector
{
    [Id(0), Description("Labels that must be present with these values.")]
    public Dictionary<string, string>? MatchLabels { get; init; }

    [Id(1), Description("Requirements on labels, all of which must hold.")]
    public List<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

[GenerateSerializer, Alias("certfleet.api.LabelSelectorRequirement")]
public sealed record LabelSelectorRequirement
{
    [Id(0), Required, Description("The label key.")]
    public string Key { get; init; } = "";

    [Id(1), Required, Enum(LabelSelectorOperators.In, LabelSelectorOperators.NotIn, LabelSelectorOperators.Exists, LabelSelectorOperators.DoesNotExist),
     Description("In and NotIn need values; Exists and DoesNotExist take none.")]
    public string Operator { get; init; } = "";

    [Id(2), Description("Values for In and NotIn.")]
    public List<string>? Values { get; init; }
}

public static class LabelSelectorOperators
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";
}

[GenerateSerializer, Alias("certfleet.api.FleetCertificateStatus")]
public sealed record FleetCertificateStatus
{
    [Id(0), ListMapKeys("type"), Description("Ready: the home Certificate is issued and every placed copy holds it.")]
    public List<Condition>? Conditions { get; init; }

    [Id(1), Description("The Certificate in the home cluster that issues this certificate.")]
    public FleetHomeCertificate? Certificate { get; init; }

    [Id(2), Description("Revision of the issued certificate (the home Certificate's status.revision).")]
    public int? Revision { get; init; }

    [Id(3), Description("Copies holding the current certificate, of those placed, as \"current/placed\".")]
    public string? CopiesCurrent { get; init; }

    [Id(4), Description("Every placed copy: where, which revision was written when, and the last error.")]
    public List<FleetCertificateCopy>? Copies { get; init; }
}

[GenerateSerializer, Immutable, Alias("certfleet.api.FleetHomeCertificate")]
public sealed record FleetHomeCertificate
{
    [Id(0), Required, Description("Namespace of the Certificate: the controller's namespace.")]
    public string Namespace { get; init; } = "";

    [Id(1), Required, Description("Name of the Certificate.")]
    public string Name { get; init; } = "";
}

[GenerateSerializer, Immutable, Alias("certfleet.api.FleetCertificateCopy")]
public sealed record FleetCertificateCopy
{
    [Id(0), Required, Description("Member cluster of the copy.")]
    public string Cluster { get; init; } = "";

    [Id(1), Required, Description("Namespace of the copy.")]
    public string Namespace { get; init; } = "";

    [Id(2), Description("Revision of the certificate last written to the copy.")]
    public int? Revision { get; init; }

    [Id(3), Description("When the copy was last written.")]
    public DateTimeOffset? LastWriteTime { get; init; }

    [Id(4), Description("Why the copy is not current; retried with backoff.")]
    public string? Error { get; init; }
}
