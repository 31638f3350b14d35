using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// apiregistration.k8s.io/v1 APIServices, validated as kube-apiserver does: the name is &lt;version&gt;.&lt;group&gt;,
/// and one backed by a Service names it and carries both priorities in range. What the aggregation layer does with
/// them is <see cref="Api.AggregatedApis"/>'s.
/// </summary>
internal sealed class ApiServiceStrategy : ObjectStrategy
{
    public const string Group = "apiregistration.k8s.io";
    public const string GroupResource = "apiservices." + Group;

    public ApiServiceStrategy()
    {
        Generation = GenerationPolicy.Spec;
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj.ObjectAt("spec");
        var group = spec.StringAt("group") ?? "";
        var served = spec.StringAt("version") ?? "";
        if (served.Length == 0)
        {
            errors.Add(FieldError.Required("spec.version"));
        }
        var name = ObjectMeta.Name(obj);
        var expected = group.Length == 0 ? served : $"{served}.{group}";
        if (served.Length > 0 && name != expected)
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonValue.Create(name), $"must be {expected}: spec.version+\".\"+spec.group"));
        }
        if (spec.ObjectAt("service") is not { } service)
        {
            return;
        }
        if (string.IsNullOrEmpty(service.StringAt("name")))
        {
            errors.Add(FieldError.Required("spec.service.name"));
        }
        if (string.IsNullOrEmpty(service.StringAt("namespace")))
        {
            errors.Add(FieldError.Required("spec.service.namespace"));
        }
        if (service.At("port").AsLong() is { } port and (< 1 or > 65535))
        {
            errors.Add(FieldError.Invalid("spec.service.port", service.At("port"), "port is not valid: must be between 1 and 65535, inclusive"));
        }
        if (spec.At("groupPriorityMinimum").AsLong() is not (>= 1 and <= 20000))
        {
            errors.Add(FieldError.Invalid("spec.groupPriorityMinimum", spec.At("groupPriorityMinimum"), "must be positive and less than 20000"));
        }
        if (spec.At("versionPriority").AsLong() is not (>= 1 and <= 1000))
        {
            errors.Add(FieldError.Invalid("spec.versionPriority", spec.At("versionPriority"), "must be positive and less than 1000"));
        }
        if (spec.At("insecureSkipTLSVerify").AsBool() == true && spec.StringAt("caBundle") is { Length: > 0 })
        {
            errors.Add(FieldError.Invalid("spec.insecureSkipTLSVerify", spec.At("insecureSkipTLSVerify"), "may not be true if caBundle is present"));
        }
    }
}
