using System.Text.Json;
using System.Text.Json.Nodes;

namespace CertFleet.Api.Tests;

/// <summary>
/// Checks a JSON value against a CRD's openAPIV3Schema the way an API server with strict field validation does,
/// for the keywords the generator writes: type, format, properties, required, enum, additionalProperties, items,
/// bounds, int-or-string and preserve-unknown-fields.
/// </summary>
internal static class StructuralSchema
{
    public static IReadOnlyList<string> Validate(JsonNode? value, JsonObject schema)
    {
        var errors = new List<string>();
        Check(value, schema, "", errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        if (value is null)
        {
            errors.Add($"{path}: null is not allowed");
            return;
        }
        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                errors.Add($"{path}: must be an integer or a string");
            return;
        }
        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        var type = (string?)schema["type"];
        if (type is null)
        {
            if (!preserveUnknown)
                errors.Add($"{path}: schema has neither a type nor x-kubernetes-preserve-unknown-fields");
            return;
        }

        switch (type)
        {
            case "object" when value is JsonObject obj:
                CheckObject(obj, schema, path, preserveUnknown, errors);
                break;
            case "array" when value is JsonArray array:
                if (schema["minItems"] is { } minItems && array.Count < (long)minItems)
                    errors.Add($"{path}: fewer than {minItems} items");
                for (var i = 0; i < array.Count; i++)
                    Check(array[i], schema["items"]!.AsObject(), $"{path}[{i}]", errors);
                break;
            case "string" when value.GetValueKind() == JsonValueKind.String:
                CheckString(value.GetValue<string>(), schema, path, errors);
                break;
            case "integer" when value.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue<long>(out var integer):
                if (schema["minimum"] is { } minimum && integer < (long)minimum)
                    errors.Add($"{path}: {integer} is below {minimum}");
                if (schema["maximum"] is { } maximum && integer > (long)maximum)
                    errors.Add($"{path}: {integer} is above {maximum}");
                break;
            case "number" when value.GetValueKind() == JsonValueKind.Number:
            case "boolean" when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                break;
            default:
                errors.Add($"{path}: expected {type}, got {value.GetValueKind()}");
                break;
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, bool preserveUnknown, List<string> errors)
    {
        foreach (var required in schema["required"]?.AsArray() ?? [])
        {
            if (!obj.ContainsKey((string)required!))
                errors.Add($"{path}: missing required field {required}");
        }
        var properties = schema["properties"]?.AsObject();
        var additional = schema["additionalProperties"]?.AsObject();
        foreach (var (name, child) in obj)
        {
            // The API server validates ObjectMeta itself; the CRD schema only says it is an object.
            if (path.Length == 0 && name == "metadata")
                continue;
            var childPath = $"{path}.{name}";
            if (properties?[name] is JsonObject propertySchema)
                Check(child, propertySchema, childPath, errors);
            else if (additional is not null)
                Check(child, additional, childPath, errors);
            else if (!preserveUnknown)
                errors.Add($"{childPath}: unknown field");
        }
    }

    private static void CheckString(string text, JsonObject schema, string path, List<string> errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(value => (string?)value == text))
            errors.Add($"{path}: '{text}' is not one of {allowed.ToJsonString()}");
        if (schema["minLength"] is { } minLength && text.Length < (long)minLength)
            errors.Add($"{path}: shorter than {minLength}");
        if (schema["maxLength"] is { } maxLength && text.Length > (long)maxLength)
            errors.Add($"{path}: longer than {maxLength}");
        switch ((string?)schema["format"])
        {
            case "date-time" when !DateTimeOffset.TryParse(text, out _):
                errors.Add($"{path}: '{text}' is not a date-time");
                break;
            case "byte" when !IsBase64(text):
                errors.Add($"{path}: not base64");
                break;
        }
    }

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
