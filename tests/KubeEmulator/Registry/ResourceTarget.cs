using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Registry;

/// <summary>What a request addresses: a resource at a version, and for object requests a namespace, name and subresource.</summary>
internal sealed record ResourceTarget(ResourceType Type, ServedVersion Version, string Namespace, string Name, string? Subresource = null)
{
    public ObjectKey Key => new(Type.Namespaced ? Namespace : "", Name);
}

/// <summary>Options every write carries (query parameters dryRun, fieldValidation, fieldManager, force).</summary>
internal sealed record WriteOptions(FieldValidation Validation = FieldValidation.Warn, bool DryRun = false, string? FieldManager = null, bool Force = false);

/// <summary>DeleteOptions: propagation and preconditions.</summary>
internal sealed record DeleteOptions(string? PropagationPolicy = null, string? Uid = null, string? ResourceVersion = null, bool DryRun = false, bool? OrphanDependents = null);

/// <summary>The patch formats the apiserver accepts.</summary>
internal enum PatchKind
{
    Json,
    Merge,
    Strategic,
    Apply,
}

/// <summary>A write's outcome: the object as stored (unchanged for a no-op) and whether it was created.</summary>
internal sealed record WriteResult(StoredObject Object, bool Created);

/// <summary>A delete's outcome: the last object, and whether it is gone or only marked for deletion.</summary>
internal sealed record DeleteResult(StoredObject Object, bool Removed);
