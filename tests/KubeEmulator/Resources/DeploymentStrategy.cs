using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// apps/v1 Deployments, stored and validated only (no ReplicaSets, no Pods): the defaults kube-apiserver fills in
/// and the checks of ValidateDeployment (a selector that matches the template's labels and never changes, a pod
/// template with named containers and images, replicas not negative).
/// </summary>
internal sealed class DeploymentStrategy : ObjectStrategy
{
    public DeploymentStrategy()
    {
        Generation = GenerationPolicy.Spec;
        InitialStatus = new JsonObject();
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        ApplyDefaults(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old) => ApplyDefaults(obj);

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj.ObjectAt("spec");
        if (spec.At("replicas") is { } replicas && replicas.AsLong() is not >= 0)
        {
            errors.Add(FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
        }
        var selector = spec.At("selector");
        if (selector is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            LabelSelectorField.Validate(selector, "spec.selector", errors);
            if (LabelSelectorField.IsEmpty(selector))
            {
                errors.Add(FieldError.Invalid("spec.selector", selector, "empty selector is invalid for deployment"));
            }
            else
            {
                var labels = ObjectMeta.StringMap(spec.ObjectAt("template", "metadata", "labels"));
                if (!LabelSelectorField.Selects(selector, labels))
                {
                    errors.Add(FieldError.Invalid("spec.template.metadata.labels", LabelSelectorField.GoMap(labels),
                        "`selector` does not match template `labels`"));
                }
            }
        }
        PodTemplateValidation.Validate(spec.At("template"), "spec.template", errors);
        if (spec.StringAt("strategy", "type") is { } strategy && strategy is not ("RollingUpdate" or "Recreate"))
        {
            errors.Add(FieldError.NotSupported("spec.strategy.type", spec.At("strategy", "type"), ["Recreate", "RollingUpdate"]));
        }
        if (old is not null && !JsonTree.DeepEquals(selector, old.At("spec", "selector")))
        {
            errors.Add(FieldError.Invalid("spec.selector", selector, "field is immutable"));
        }
    }

    private static void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.EnsureObject("spec");
        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        var strategy = spec.EnsureObject("strategy");
        strategy["type"] ??= "RollingUpdate";
        if (strategy["type"].AsString() == "RollingUpdate")
        {
            var rolling = strategy.EnsureObject("rollingUpdate");
            rolling["maxUnavailable"] ??= "25%";
            rolling["maxSurge"] ??= "25%";
        }
        var podSpec = spec.EnsureObject("template").EnsureObject("spec");
        podSpec["restartPolicy"] ??= "Always";
        podSpec["terminationGracePeriodSeconds"] ??= 30;
        podSpec["dnsPolicy"] ??= "ClusterFirst";
        podSpec["schedulerName"] ??= "default-scheduler";
        podSpec["securityContext"] ??= new JsonObject();
        foreach (var container in (podSpec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
            }
        }
    }
}
