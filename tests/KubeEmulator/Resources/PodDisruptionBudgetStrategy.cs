using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// policy/v1 PodDisruptionBudgets, stored and validated only (nothing evicts): minAvailable and maxUnavailable are
/// not both set, each is a count of at least 0 or a percentage up to 100%, the selector is well-formed.
/// </summary>
internal sealed partial class PodDisruptionBudgetStrategy : ObjectStrategy
{
    private static readonly string[] EvictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];

    public PodDisruptionBudgetStrategy()
    {
        Generation = GenerationPolicy.Spec;
        InitialStatus = new JsonObject
        {
            ["currentHealthy"] = 0, ["desiredHealthy"] = 0, ["disruptionsAllowed"] = 0, ["expectedPods"] = 0,
        };
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj.ObjectAt("spec");
        var minAvailable = spec.At("minAvailable");
        var maxUnavailable = spec.At("maxUnavailable");
        if (minAvailable is not null && maxUnavailable is not null)
        {
            errors.Add(FieldError.Invalid("spec", JsonTree.ToText(spec), "minAvailable and maxUnavailable cannot be both set"));
        }
        ValidateCountOrPercent(minAvailable, "spec.minAvailable", errors);
        ValidateCountOrPercent(maxUnavailable, "spec.maxUnavailable", errors);
        LabelSelectorField.Validate(spec.At("selector"), "spec.selector", errors);
        if (spec.At("unhealthyPodEvictionPolicy") is { } policy && !EvictionPolicies.Contains(policy.AsString()))
        {
            errors.Add(FieldError.NotSupported("spec.unhealthyPodEvictionPolicy", policy, EvictionPolicies));
        }
    }

    private static void ValidateCountOrPercent(JsonNode? value, string field, List<FieldError> errors)
    {
        if (value is null)
        {
            return;
        }
        if (JsonTree.Kind(value) == JsonValueKind.String)
        {
            var text = value.AsString()!;
            if (!PercentPattern().IsMatch(text))
            {
                errors.Add(FieldError.Invalid(field, value,
                    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
            }
            else if (!int.TryParse(text[..^1], out var percent) || percent > 100)
            {
                errors.Add(FieldError.Invalid(field, value, "must not be greater than 100%"));
            }
        }
        else if (value.AsLong() is not >= 0)
        {
            errors.Add(FieldError.Invalid(field, value, "must be greater than or equal to 0"));
        }
    }

    [GeneratedRegex("^[0-9]+%$")]
    private static partial Regex PercentPattern();
}
