using System.Text.Json.Serialization;

namespace CertFleet.KubeEmulator.Audit;

/// <summary>
/// One authorization question as kube-apiserver asks RBAC: either a resource request (verb, apiGroup, resource,
/// subresource, namespace, name) or a non-resource URL with the lower-case HTTP method as its verb.
/// </summary>
/// <param name="User">The identity that asked.</param>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection (or get/post/... for a non-resource URL).</param>
/// <param name="Name">The object's name where RBAC can restrict by it (never for create or list without a name selector).</param>
/// <param name="Check">Null for the request itself; otherwise why the API server asks this too (see <see cref="Checks"/>).</param>
public sealed record AccessRecord(
    string User,
    string Verb,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApiGroup = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Resource = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subresource = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Namespace = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NonResourceUrl = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Check = null)
{
    [JsonIgnore]
    public bool IsResourceRequest => NonResourceUrl is null;

    /// <summary>"resource" or "resource/subresource", as RBAC rules name it.</summary>
    [JsonIgnore]
    public string ResourcePath => string.IsNullOrEmpty(Subresource) ? Resource ?? "" : $"{Resource}/{Subresource}";

    /// <summary>The extra questions kube-apiserver asks besides the request's own.</summary>
    public static class Checks
    {
        /// <summary>An update or patch that creates the object is also authorized as create (same name).</summary>
        public const string CreateOnUpdate = "create-on-update";

        /// <summary>
        /// The OwnerReferencesPermissionEnforcement admission plugin: setting blockOwnerDeletion on an owner reference
        /// needs update on the owner's finalizers subresource; changing owner references of an existing object needs
        /// delete on that object.
        /// </summary>
        public const string OwnerReferences = "owner-references";
    }
}
