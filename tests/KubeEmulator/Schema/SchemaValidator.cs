using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Schema;

/// <summary>
/// Validates a custom resource against its structural schema, producing the errors kube-openapi produces as
/// apiextensions maps them to field errors (enum → Unsupported value, required → Required value, ...).
/// </summary>
internal static class SchemaValidator
{
    /// <summary>Validates everything but apiVersion, kind and metadata, which the generic metadata checks own.</summary>
    public static void ValidateObject(JsonObject root, StructuralSchema schema, List<FieldError> errors)
    {
        foreach (var (key, value) in root)
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }
            if (schema.Properties.TryGetValue(key, out var property))
            {
                Validate(value, property, key, errors);
            }
            else if (schema.AdditionalProperties is { } values)
            {
                Validate(value, values, key, errors);
            }
        }
        foreach (var name in schema.Required.Where(n => n is not ("apiVersion" or "kind" or "metadata")))
        {
            if (!root.ContainsKey(name))
            {
                errors.Add(FieldError.Required(name));
            }
        }
    }

    public static void Validate(JsonNode? value, StructuralSchema schema, string path, List<FieldError> errors)
    {
        if (!schema.AcceptsKind(value))
        {
            var expected = schema.IntOrString ? "integer or string" : schema.Type;
            var actual = JsonTree.TypeName(value);
            errors.Add(FieldError.TypeInvalid(path, JsonValue.Create(actual), $"{path} in body must be of type {expected}: \"{actual}\""));
            return;
        }
        if (JsonTree.IsNull(value))
        {
            return;
        }
        if (schema.Enum is { } allowed && !allowed.Any(a => JsonTree.DeepEquals(a, value)))
        {
            errors.Add(FieldError.NotSupported(path, value,
                allowed.Select(a => a.AsString() ?? JsonTree.ToText(a))));
        }
        switch (JsonTree.Kind(value))
        {
            case JsonValueKind.String:
                ValidateString(value.AsString()!, value!, schema, path, errors);
                break;
            case JsonValueKind.Number:
                ValidateNumber(value!, schema, path, errors);
                break;
            case JsonValueKind.Array:
                ValidateArray((JsonArray)value!, schema, path, errors);
                break;
            case JsonValueKind.Object:
                ValidateFields((JsonObject)value!, schema, path, errors);
                break;
        }
        ValidateCombinators(value, schema, path, errors);
    }

    private static void ValidateString(string text, JsonNode value, StructuralSchema schema, string path, List<FieldError> errors)
    {
        var length = text.EnumerateRunes().Count(); // kube-openapi counts runes
        if (schema.MaxLength is { } max && length > max)
        {
            errors.Add(FieldError.TooLong(path, max));
        }
        if (schema.MinLength is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body should be at least {min} chars long"));
        }
        if (schema.PatternRegex is { } pattern && !Matches(pattern, text))
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body should match '{schema.Pattern}'"));
        }
        if (schema.Format is { } format && !FormatChecks.IsValid(format, text))
        {
            errors.Add(FieldError.TypeInvalid(path, value, $"{path} in body must be of type {format}: {FieldError.GoQuote(text)}"));
        }
    }

    private static bool Matches(System.Text.RegularExpressions.Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static void ValidateNumber(JsonNode value, StructuralSchema schema, string path, List<FieldError> errors)
    {
        if (!JsonTree.TryGetDecimal(value, out var number))
        {
            return;
        }
        if (schema.MultipleOf is { } step && step != 0 && number % step != 0)
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body should be a multiple of {Format(step)}"));
        }
        if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? number >= max : number > max))
        {
            var relation = schema.ExclusiveMaximum ? "less than" : "less than or equal to";
            errors.Add(FieldError.Invalid(path, value, $"{path} in body should be {relation} {Format(max)}"));
        }
        if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? number <= min : number < min))
        {
            var relation = schema.ExclusiveMinimum ? "greater than" : "greater than or equal to";
            errors.Add(FieldError.Invalid(path, value, $"{path} in body should be {relation} {Format(min)}"));
        }
    }

    private static void ValidateArray(JsonArray array, StructuralSchema schema, string path, List<FieldError> errors)
    {
        if (schema.MaxItems is { } max && array.Count > max)
        {
            errors.Add(FieldError.TooMany(path, array.Count, max));
        }
        if (schema.MinItems is { } min && array.Count < min)
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(array.Count), $"{path} in body should have at least {min} items"));
        }
        if (schema.UniqueItems && HasDuplicates(array.Select(i => i)))
        {
            errors.Add(FieldError.Invalid(path, array, $"{path} in body shouldn't contain duplicates"));
        }
        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, $"{path}[{i}]", errors);
            }
        }
        ValidateListType(array, schema, path, errors);
    }

    private static void ValidateListType(JsonArray array, StructuralSchema schema, string path, List<FieldError> errors)
    {
        var seen = new List<JsonNode?>();
        for (var i = 0; i < array.Count; i++)
        {
            JsonNode? identity = schema.ListType switch
            {
                "set" => array[i],
                "map" when array[i] is JsonObject element => KeyOf(element, schema.ListMapKeys),
                _ => null,
            };
            if (identity is null)
            {
                continue;
            }
            if (seen.Any(s => JsonTree.DeepEquals(s, identity)))
            {
                errors.Add(schema.ListType == "map"
                    ? new FieldError($"{path}[{i}]", FieldErrorType.Duplicate, GoMap((JsonObject)identity), "")
                    : FieldError.Duplicate($"{path}[{i}]", identity));
            }
            seen.Add(identity);
        }
    }

    private static JsonObject KeyOf(JsonObject element, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys)
        {
            key[name] = element[name]?.DeepClone();
        }
        return key;
    }

    private static string GoMap(JsonObject key) =>
        "map[string]interface {}{" +
        string.Join(", ", key.Select(p => $"\"{p.Key}\":{FieldError.GoValue(p.Value)}")) + "}";

    private static void ValidateFields(JsonObject obj, StructuralSchema schema, string path, List<FieldError> errors)
    {
        if (schema.MaxProperties is { } max && obj.Count > max)
        {
            errors.Add(FieldError.TooMany(path, obj.Count, max));
        }
        if (schema.MinProperties is { } min && obj.Count < min)
        {
            errors.Add(FieldError.Invalid(path, obj, $"{path} in body should have at least {min} properties"));
        }
        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(FieldError.Required(Child(path, name)));
            }
        }
        foreach (var (key, value) in obj)
        {
            if (schema.Properties.TryGetValue(key, out var property))
            {
                Validate(value, property, Child(path, key), errors);
            }
            else if (schema.AdditionalProperties is { } values)
            {
                Validate(value, values, Child(path, key), errors);
            }
        }
    }

    private static void ValidateCombinators(JsonNode? value, StructuralSchema schema, string path, List<FieldError> errors)
    {
        foreach (var branch in schema.AllOf)
        {
            Validate(value, branch, path, errors);
        }
        if (schema.AnyOf.Count > 0 && !schema.AnyOf.Any(b => Passes(value, b, path)))
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must validate at least one schema (anyOf)"));
        }
        if (schema.OneOf.Count > 0 && schema.OneOf.Count(b => Passes(value, b, path)) != 1)
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must validate one and only one schema (oneOf)"));
        }
        if (schema.Not is { } not && Passes(value, not, path))
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must not validate the schema (not)"));
        }
    }

    private static bool Passes(JsonNode? value, StructuralSchema schema, string path)
    {
        var branchErrors = new List<FieldError>();
        Validate(value, schema, path, branchErrors);
        return branchErrors.Count == 0;
    }

    private static bool HasDuplicates(IEnumerable<JsonNode?> items)
    {
        var seen = new List<JsonNode?>();
        foreach (var item in items)
        {
            if (seen.Any(s => JsonTree.DeepEquals(s, item)))
            {
                return true;
            }
            seen.Add(item);
        }
        return false;
    }

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>Numbers as Go's %v prints a float64 limit: no trailing zeros.</summary>
    private static string Format(decimal number) =>
        (number / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
