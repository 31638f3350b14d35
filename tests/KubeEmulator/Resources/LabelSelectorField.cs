using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// A metav1.LabelSelector field of an object (Deployment, PodDisruptionBudget, NetworkPolicy): its validation, as
/// apimachinery words it, and whether it selects a set of labels.
/// </summary>
internal static class LabelSelectorField
{
    private static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    public static void Validate(JsonNode? selector, string field, List<FieldError> errors)
    {
        if (selector is null)
        {
            return;
        }
        foreach (var (key, value) in ObjectMeta.StringMap(selector.ObjectAt("matchLabels")))
        {
            ObjectMetaValidation.ValidateLabel(key, value, $"{field}.matchLabels", errors);
        }
        var expressions = selector.ArrayAt("matchExpressions") ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var path = $"{field}.matchExpressions[{i}]";
            var op = expressions[i].StringAt("operator");
            var values = expressions[i].ArrayAt("values") ?? [];
            if (!Operators.Contains(op))
            {
                errors.Add(FieldError.NotSupported($"{path}.operator", expressions[i].At("operator"), Operators));
            }
            else if (op is "In" or "NotIn" && values.Count == 0)
            {
                errors.Add(FieldError.Required($"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
            }
            else if (op is "Exists" or "DoesNotExist" && values.Count > 0)
            {
                errors.Add(FieldError.Forbidden($"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
            }
            if (string.IsNullOrEmpty(expressions[i].StringAt("key")))
            {
                errors.Add(FieldError.Required($"{path}.key"));
            }
        }
    }

    public static bool IsEmpty(JsonNode? selector) =>
        selector.ObjectAt("matchLabels") is not { Count: > 0 } && selector.ArrayAt("matchExpressions") is not { Count: > 0 };

    /// <summary>Whether <paramref name="selector"/> selects <paramref name="labels"/> (an empty selector selects everything).</summary>
    public static bool Selects(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in ObjectMeta.StringMap(selector.ObjectAt("matchLabels")))
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        foreach (var expression in selector.ArrayAt("matchExpressions") ?? [])
        {
            var present = labels.TryGetValue(expression.StringAt("key") ?? "", out var actual);
            var values = expression.At("values").Strings();
            var holds = expression.StringAt("operator") switch
            {
                "In" => present && values.Contains(actual!),
                "NotIn" => !present || !values.Contains(actual!),
                "Exists" => present,
                _ => !present,
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A label map printed as Go's %#v prints map[string]string (keys sorted).</summary>
    public static string GoMap(IReadOnlyDictionary<string, string> labels) =>
        "map[string]string{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{FieldError.GoQuote(l.Key)}:{FieldError.GoQuote(l.Value)}")) + "}";
}
