using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Schema;
using CertFleet.KubeEmulator.Tables;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>One served version of a resource, with what may differ between versions of a custom resource.</summary>
internal sealed class ServedVersion
{
    public required string Name { get; init; }

    /// <summary>"v1" for core, "group/version" otherwise.</summary>
    public required string ApiVersion { get; init; }

    public bool HasStatus { get; init; }

    /// <summary>The structural schema of a custom resource version; null for built-ins.</summary>
    public StructuralSchema? Schema { get; init; }

    /// <summary>The openAPIV3Schema as written in the CRD, published under /openapi/v3.</summary>
    public JsonObject? OpenApiSchema { get; init; }

    public required TableConvertor Table { get; init; }

    public required FieldLabels FieldLabels { get; init; }
}

/// <summary>A served resource (group + plural) and everything the API layer needs to know about it.</summary>
internal sealed class ResourceType
{
    public required string Group { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    public required string ListKind { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Served versions, preferred first; objects are stored in <see cref="Storage"/>'s apiVersion.</summary>
    public required IReadOnlyList<ServedVersion> Versions { get; init; }

    public required ServedVersion Storage { get; init; }

    public required ObjectStrategy Strategy { get; init; }

    public required FieldShapes Shapes { get; init; }

    /// <summary>Custom resources reject strategic merge patch with 415.</summary>
    public bool IsCustomResource { get; init; }

    /// <summary>"secrets" or "certificates.cert-manager.io": the store key and the name in error messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public ServedVersion? Version(string name) => Versions.FirstOrDefault(v => v.Name == name);
}
