using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>When metadata.generation moves: never, on .spec changes, or on any change outside .metadata.</summary>
internal enum GenerationPolicy
{
    None,
    Spec,
    AllButMetadata,
}

/// <summary>
/// The per-kind rules the generic write path consults, like a registry strategy in the apiserver: decoding,
/// defaulting, validation and the update/delete rules that differ between kinds.
/// </summary>
internal class ObjectStrategy
{
    public GenerationPolicy Generation { get; init; }

    /// <summary>PUT of a missing object creates it (Lease, Event).</summary>
    public bool AllowCreateOnUpdate { get; init; }

    /// <summary>PUT without metadata.resourceVersion is allowed (false for Lease and custom resources).</summary>
    public bool AllowUnconditionalUpdate { get; init; } = true;

    /// <summary>DELETE answers with the object rather than a Success Status.</summary>
    public bool ReturnDeletedObject { get; init; }

    /// <summary>Which rule metadata.name follows.</summary>
    public NameRule NameRule { get; init; }

    /// <summary>Time fields stored in canonical form.</summary>
    public IReadOnlyList<TimeField> TimeFields { get; init; } = [];

    /// <summary>The status a new object starts with when the kind has a status subresource (null: none).</summary>
    public JsonObject? InitialStatus { get; init; }

    /// <summary>Subresources besides status (Namespace "finalize").</summary>
    public virtual IReadOnlyList<string> ExtraSubresources => [];

    /// <summary>Builds the next object for a write to an extra subresource: <paramref name="next"/> starts as the stored object.</summary>
    public virtual void UpdateSubresource(string subresource, JsonObject next, JsonObject request)
    {
    }

    /// <summary>Turns a request object into storable form: prune and default (custom resources), canonical times.</summary>
    public virtual void Decode(ServedVersion version, JsonObject obj, DecodeContext context)
    {
        foreach (var field in TimeFields)
        {
            field.Normalize(obj);
        }
    }

    public virtual void PrepareForCreate(JsonObject obj)
    {
        if (InitialStatus is not null)
        {
            obj["status"] = InitialStatus.DeepClone();
        }
    }

    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
    }

    public virtual void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
    }

    /// <summary>Whether something besides metadata.finalizers keeps a deleted object around (Namespace spec.finalizers).</summary>
    public virtual bool HoldsDeletion(JsonObject obj) => false;

    /// <summary>Changes made to an object when its deletion starts but must wait.</summary>
    public virtual void PrepareForDeletion(JsonObject obj)
    {
    }
}
