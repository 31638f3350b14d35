using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Interfaces.Api;

/// <summary>The part of Kubernetes object metadata the controller reads and writes.</summary>
[GenerateSerializer, Alias("certfleet.api.ObjectMeta")]
public sealed record ObjectMeta
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? GenerateName { get; init; }
    [Id(2)] public string? Namespace { get; init; }
    [Id(3)] public string? Uid { get; init; }
    [Id(4)] public string? ResourceVersion { get; init; }
    [Id(5)] public long? Generation { get; init; }
    [Id(6)] public DateTimeOffset? CreationTimestamp { get; init; }
    [Id(7)] public DateTimeOffset? DeletionTimestamp { get; init; }
    [Id(8)] public Dictionary<string, string>? Labels { get; init; }
    [Id(9)] public Dictionary<string, string>? Annotations { get; init; }
    [Id(10)] public List<OwnerReference>? OwnerReferences { get; init; }
    [Id(11)] public List<string>? Finalizers { get; init; }
}

/// <summary>Points from a dependent object to the object that owns it (garbage collection, kubectl tree).</summary>
[GenerateSerializer, Immutable, Alias("certfleet.api.OwnerReference")]
public sealed record OwnerReference
{
    [Id(0)] public string ApiVersion { get; init; } = "";
    [Id(1)] public string Kind { get; init; } = "";
    [Id(2)] public string Name { get; init; } = "";
    [Id(3)] public string Uid { get; init; } = "";
    [Id(4)] public bool? Controller { get; init; }
    [Id(5)] public bool? BlockOwnerDeletion { get; init; }
}

/// <summary>Metadata a template may set on an object the controller creates (Secret, solver Pod, Ingress).</summary>
[GenerateSerializer, Alias("certfleet.api.TemplateMetadata")]
public sealed record TemplateMetadata
{
    [Id(0), Description("Annotations added to the created object.")]
    public Dictionary<string, string>? Annotations { get; init; }

    [Id(1), Description("Labels added to the created object.")]
    public Dictionary<string, string>? Labels { get; init; }
}
