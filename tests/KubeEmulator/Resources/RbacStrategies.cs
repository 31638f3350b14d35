using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// rbac.authorization.k8s.io/v1 Roles and ClusterRoles, stored and validated only (the emulator authorizes nothing):
/// each rule names verbs, and either API groups and resources or (ClusterRoles only) non-resource URLs.
/// </summary>
internal sealed class RoleStrategy(bool namespaced) : ObjectStrategy
{
    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var rules = obj.ArrayAt("rules") ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var path = $"rules[{i}]";
            var rule = rules[i];
            if (rule.ArrayAt("verbs") is not { Count: > 0 })
            {
                errors.Add(FieldError.Required($"{path}.verbs", "verbs must contain at least one value"));
            }
            if (rule.ArrayAt("nonResourceURLs") is { Count: > 0 } urls)
            {
                if (namespaced)
                {
                    errors.Add(FieldError.Invalid($"{path}.nonResourceURLs", GoStrings(urls), "namespaced rules cannot apply to non-resource URLs"));
                }
                if (rule.ArrayAt("apiGroups") is { Count: > 0 } || rule.ArrayAt("resources") is { Count: > 0 } ||
                    rule.ArrayAt("resourceNames") is { Count: > 0 })
                {
                    errors.Add(FieldError.Invalid($"{path}.nonResourceURLs", GoStrings(urls), "rules cannot apply to both regular resources and non-resource URLs"));
                }
                continue;
            }
            if (rule.ArrayAt("apiGroups") is not { Count: > 0 })
            {
                errors.Add(FieldError.Required($"{path}.apiGroups", "resource rules must supply at least one api group"));
            }
            if (rule.ArrayAt("resources") is not { Count: > 0 })
            {
                errors.Add(FieldError.Required($"{path}.resources", "resource rules must supply at least one resource"));
            }
        }
    }

    /// <summary>A list printed as Go's %#v prints []string.</summary>
    private static string GoStrings(JsonArray values) =>
        "[]string{" + string.Join(", ", values.Select(v => FieldError.GoQuote(v.AsString() ?? ""))) + "}";
}

/// <summary>
/// RoleBindings and ClusterRoleBindings: a roleRef to a Role (RoleBinding only) or ClusterRole that never changes,
/// and subjects of a known kind with a name (and a namespace for ServiceAccounts bound cluster-wide).
/// </summary>
internal sealed class RoleBindingStrategy(bool namespaced) : ObjectStrategy
{
    private const string RbacGroup = "rbac.authorization.k8s.io";
    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var roleRef = obj.At("roleRef");
        string[] roleKinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
        if (roleRef.StringAt("apiGroup") != RbacGroup)
        {
            errors.Add(FieldError.NotSupported("roleRef.apiGroup", roleRef.At("apiGroup") ?? JsonValue.Create(""), [RbacGroup]));
        }
        if (!roleKinds.Contains(roleRef.StringAt("kind")))
        {
            errors.Add(FieldError.NotSupported("roleRef.kind", roleRef.At("kind") ?? JsonValue.Create(""), roleKinds));
        }
        if (string.IsNullOrEmpty(roleRef.StringAt("name")))
        {
            errors.Add(FieldError.Required("roleRef.name"));
        }
        var subjects = obj.ArrayAt("subjects") ?? [];
        for (var i = 0; i < subjects.Count; i++)
        {
            var path = $"subjects[{i}]";
            var kind = subjects[i].StringAt("kind");
            if (string.IsNullOrEmpty(subjects[i].StringAt("name")))
            {
                errors.Add(FieldError.Required($"{path}.name"));
            }
            if (!SubjectKinds.Contains(kind))
            {
                errors.Add(FieldError.NotSupported($"{path}.kind", subjects[i].At("kind") ?? JsonValue.Create(""), SubjectKinds));
            }
            else if (kind == "ServiceAccount" && !namespaced && string.IsNullOrEmpty(subjects[i].StringAt("namespace")))
            {
                errors.Add(FieldError.Required($"{path}.namespace"));
            }
        }
        if (old is not null && !JsonTree.DeepEquals(roleRef, old.At("roleRef")))
        {
            errors.Add(FieldError.Invalid("roleRef", roleRef, "cannot change roleRef"));
        }
    }
}
