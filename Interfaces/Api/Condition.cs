using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>
/// A condition of a Certificate, Issuer or ClusterIssuer. Types are in <see cref="ConditionTypes"/>,
/// statuses in <see cref="ConditionStatus"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.Condition")]
public sealed record Condition
{
    [Id(0), Required, Description("Kind of condition, for example Ready or Issuing.")]
    public string Type { get; init; } = "";

    [Id(1), Required, Enum(ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown),
     Description("Whether the condition holds: True, False or Unknown.")]
    public string Status { get; init; } = ConditionStatus.Unknown;

    [Id(2), Description("When the status last changed.")]
    public DateTimeOffset? LastTransitionTime { get; init; }

    [Id(3), Description("One CamelCase word giving the cause of the last transition.")]
    public string? Reason { get; init; }

    [Id(4), Description("Human-readable detail about the last transition.")]
    public string? Message { get; init; }

    [Id(5), Description("The metadata.generation the condition was computed from; older than the object's generation means the condition may be stale.")]
    public long? ObservedGeneration { get; init; }
}

/// <summary>A condition of a CertificateRequest; unlike <see cref="Condition"/> it carries no observedGeneration.</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.CertificateRequestCondition")]
public sealed record CertificateRequestCondition
{
    [Id(0), Required, Description("Kind of condition: Ready, Approved, Denied or InvalidRequest.")]
    public string Type { get; init; } = "";

    [Id(1), Required, Enum(ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown),
     Description("Whether the condition holds: True, False or Unknown.")]
    public string Status { get; init; } = ConditionStatus.Unknown;

    [Id(2), Description("When the status last changed.")]
    public DateTimeOffset? LastTransitionTime { get; init; }

    [Id(3), Description("One CamelCase word giving the cause of the last transition.")]
    public string? Reason { get; init; }

    [Id(4), Description("Human-readable detail about the last transition.")]
    public string? Message { get; init; }
}
