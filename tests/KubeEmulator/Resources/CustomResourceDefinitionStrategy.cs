using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// CustomResourceDefinitions: defaulted and validated like apiextensions does, and immediately marked
/// NamesAccepted and Established (there is no name conflict checking to wait for). The cleanup finalizer keeps a
/// deleted CRD until its custom resources are gone.
/// </summary>
internal sealed partial class CustomResourceDefinitionStrategy : ObjectStrategy
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    public const string GroupResource = "customresourcedefinitions.apiextensions.k8s.io";

    public CustomResourceDefinitionStrategy()
    {
        Generation = GenerationPolicy.Spec;
        ReturnDeletedObject = true;
        TimeFields = [new TimeField("status.conditions[].lastTransitionTime")];
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        ApplyDefaults(obj);
        var finalizers = ObjectMeta.Finalizers(obj);
        if (!finalizers.Contains(CleanupFinalizer))
        {
            ObjectMeta.SetFinalizers(obj, [.. finalizers, CleanupFinalizer]);
        }
        WriteStatus(obj, null);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        ApplyDefaults(obj);
        WriteStatus(obj, old);
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj.ObjectAt("spec") ?? [];
        var group = spec["group"].AsString() ?? "";
        var plural = spec.StringAt("names", "plural") ?? "";
        if (group.Length == 0)
        {
            errors.Add(FieldError.Required("spec.group"));
        }
        else if (!group.Contains('.'))
        {
            errors.Add(FieldError.Invalid("spec.group", spec["group"], "should be a domain with at least one dot"));
        }
        if (plural.Length == 0)
        {
            errors.Add(FieldError.Required("spec.names.plural"));
        }
        else if (!LowercaseLabel().IsMatch(plural))
        {
            errors.Add(FieldError.Invalid("spec.names.plural", spec.At("names", "plural"), "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
        }
        if (string.IsNullOrEmpty(spec.StringAt("names", "kind")))
        {
            errors.Add(FieldError.Required("spec.names.kind"));
        }
        if (ObjectMeta.Name(obj) != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonValue.Create(ObjectMeta.Name(obj)), "must be spec.names.plural+\".\"+spec.group"));
        }
        if (spec["scope"].AsString() is not ("Namespaced" or "Cluster"))
        {
            errors.Add(FieldError.NotSupported("spec.scope", spec["scope"], ["Cluster", "Namespaced"]));
        }
        ValidateVersions(spec, group, errors);
        if (old is not null && old.StringAt("spec", "scope") != spec["scope"].AsString())
        {
            errors.Add(FieldError.Invalid("spec.scope", spec["scope"], "field is immutable"));
        }
    }

    private static void ValidateVersions(JsonObject spec, string group, List<FieldError> errors)
    {
        var versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (versions.Count == 0)
        {
            errors.Add(FieldError.Invalid("spec.versions", spec["versions"], "must have exactly one version marked as storage version"));
            return;
        }
        if (versions.Count(v => v["storage"].AsBool() == true) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", spec["versions"], "must have exactly one version marked as storage version"));
        }
        for (var i = 0; i < versions.Count; i++)
        {
            var path = $"spec.versions[{i}]";
            if (string.IsNullOrEmpty(versions[i]["name"].AsString()))
            {
                errors.Add(FieldError.Required($"{path}.name"));
            }
            if (versions[i].At("schema", "openAPIV3Schema") is not JsonObject)
            {
                errors.Add(FieldError.Required($"{path}.schema.openAPIV3Schema", "schemas are required"));
                continue;
            }
            try
            {
                CustomResourceDefinitionReader.ReadVersion(group, versions[i], spec["scope"].AsString() != "Cluster");
            }
            catch (FormatException e)
            {
                errors.Add(FieldError.Invalid(path, versions[i]["name"], e.Message));
            }
        }
    }

    private static void ApplyDefaults(JsonObject obj)
    {
        var names = obj.EnsureObject("spec").EnsureObject("names");
        var kind = names["kind"].AsString() ?? "";
        if (string.IsNullOrEmpty(names["singular"].AsString()))
        {
            names["singular"] = kind.ToLowerInvariant();
        }
        if (string.IsNullOrEmpty(names["listKind"].AsString()))
        {
            names["listKind"] = kind + "List";
        }
        obj.EnsureObject("spec")["conversion"] ??= new JsonObject { ["strategy"] = "None" };
    }

    private static void WriteStatus(JsonObject obj, JsonObject? old)
    {
        var now = TimeField.FormatTime(DateTimeOffset.UtcNow);
        var storage = (obj.ArrayAt("spec", "versions") ?? [])
            .FirstOrDefault(v => v?["storage"].AsBool() == true)?["name"].AsString();
        var stored = old.ArrayAt("status", "storedVersions").Strings();
        if (storage is not null && !stored.Contains(storage))
        {
            stored.Add(storage);
        }
        obj["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", old, now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", old, now)),
            ["acceptedNames"] = obj.ObjectAt("spec", "names")?.DeepClone(),
            ["storedVersions"] = stored.ToJsonArray(),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, JsonObject? old, string now)
    {
        var since = (old.ArrayAt("status", "conditions") ?? [])
            .FirstOrDefault(c => c.StringAt("type") == type)?["lastTransitionTime"].AsString();
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = since ?? now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LowercaseLabel();
}
