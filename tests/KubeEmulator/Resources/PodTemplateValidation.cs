using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// The pod template checks of kube-apiserver's ValidatePodTemplateSpec that a chart can get wrong: containers with
/// names and images, unique names, valid ports and volume names.
/// </summary>
internal static class PodTemplateValidation
{
    public static void Validate(JsonNode? template, string field, List<FieldError> errors)
    {
        var spec = template.ObjectAt("spec");
        var containers = spec.ArrayAt("containers");
        if (containers is not { Count: > 0 })
        {
            errors.Add(FieldError.Required($"{field}.spec.containers"));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (list, containersField) in new[] { (containers, "containers"), (spec.ArrayAt("initContainers"), "initContainers") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                ValidateContainer(list![i], $"{field}.spec.{containersField}[{i}]", names, errors);
            }
        }
        var volumes = new HashSet<string>(StringComparer.Ordinal);
        var declared = spec.ArrayAt("volumes") ?? [];
        for (var i = 0; i < declared.Count; i++)
        {
            var name = declared[i].StringAt("name") ?? "";
            var path = $"{field}.spec.volumes[{i}].name";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(path));
            }
            else if (!volumes.Add(name))
            {
                errors.Add(FieldError.Duplicate(path, JsonValue.Create(name)));
            }
        }
        var restartPolicy = spec.At("restartPolicy");
        if (restartPolicy is not null && restartPolicy.AsString() != "Always")
        {
            // A workload's pods always restart: the only value a Deployment template accepts.
            errors.Add(FieldError.NotSupported($"{field}.spec.restartPolicy", restartPolicy, ["Always"]));
        }
    }

    private static void ValidateContainer(JsonNode? container, string path, HashSet<string> names, List<FieldError> errors)
    {
        var name = container.StringAt("name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.name"));
        }
        else
        {
            ObjectMetaValidation.ValidateLabelName(name, $"{path}.name", errors);
            if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate($"{path}.name", JsonValue.Create(name)));
            }
        }
        if (string.IsNullOrWhiteSpace(container.StringAt("image")))
        {
            errors.Add(FieldError.Required($"{path}.image"));
        }
        var portNames = new HashSet<string>(StringComparer.Ordinal);
        var ports = container.ArrayAt("ports") ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            var portPath = $"{path}.ports[{i}]";
            PortFields.ValidateNumber(ports[i].At("containerPort"), $"{portPath}.containerPort", errors);
            PortFields.ValidateProtocol(ports[i].At("protocol"), $"{portPath}.protocol", errors);
            if (ports[i].StringAt("name") is { Length: > 0 } portName)
            {
                PortFields.ValidateName(portName, $"{portPath}.name", errors);
                if (!portNames.Add(portName))
                {
                    errors.Add(FieldError.Duplicate($"{portPath}.name", JsonValue.Create(portName)));
                }
            }
        }
    }
}
