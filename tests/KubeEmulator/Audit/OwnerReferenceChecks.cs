using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;
using CertFleet.KubeEmulator.Resources;

namespace CertFleet.KubeEmulator.Audit;

/// <summary>
/// The questions the OwnerReferencesPermissionEnforcement admission plugin (on in OpenShift, off in a plain
/// kube-apiserver) asks when a write sets owner references: delete on the object itself when an update changes them,
/// and update on the owner's finalizers subresource for every reference newly set with blockOwnerDeletion.
/// </summary>
internal static class OwnerReferenceChecks
{
    public static IEnumerable<AccessRecord> For(
        AccessRecord request, ResourceCatalog catalog, JsonObject? before, JsonObject after)
    {
        var old = References(before);
        var now = References(after);
        if (old.Select(r => r.ToJsonString()).SequenceEqual(now.Select(r => r.ToJsonString())))
        {
            yield break;
        }
        if (before is not null)
        {
            yield return request with { Verb = "delete", Subresource = null, Check = AccessRecord.Checks.OwnerReferences };
        }
        var blockingBefore = old.Where(Blocks).Select(r => r.StringAt("uid")).ToHashSet();
        foreach (var reference in now.Where(r => Blocks(r) && !blockingBefore.Contains(r.StringAt("uid"))))
        {
            var apiVersion = reference.StringAt("apiVersion") ?? "";
            var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
            var kind = reference.StringAt("kind");
            // An owner kind the server does not serve cannot be mapped to a resource; the plugin then refuses the write.
            if (catalog.All.FirstOrDefault(t => t.Group == group && t.Kind == kind) is not { } owner)
            {
                continue;
            }
            yield return new AccessRecord(request.User, "update", group, owner.Plural, "finalizers",
                owner.Namespaced ? request.Namespace : null, reference.StringAt("name"), Check: AccessRecord.Checks.OwnerReferences);
        }
    }

    private static List<JsonNode> References(JsonObject? obj) =>
        [.. (obj?.ArrayAt("metadata", "ownerReferences") ?? []).OfType<JsonNode>()];

    private static bool Blocks(JsonNode reference) => reference.At("blockOwnerDeletion").AsBool() == true;
}
