using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Api;

/// <summary>The kinds of field.Error the apiserver reports; each has a cause reason and a message word.</summary>
internal enum FieldErrorType
{
    Required,
    Invalid,
    TypeInvalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Duplicate,
}

/// <summary>
/// One validation failure, worded like k8s.io/apimachinery's field.Error:
/// <c>spec.size: Unsupported value: "huge": supported values: "small", "large"</c>.
/// </summary>
internal sealed record FieldError(string Field, FieldErrorType Type, string? BadValue, string Detail)
{
    public static FieldError Required(string field, string detail = "") => new(field, FieldErrorType.Required, null, detail);

    public static FieldError Invalid(string field, JsonNode? value, string detail) =>
        new(field, FieldErrorType.Invalid, GoValue(value), detail);

    public static FieldError Invalid(string field, string formattedValue, string detail) =>
        new(field, FieldErrorType.Invalid, formattedValue, detail);

    public static FieldError TypeInvalid(string field, JsonNode? value, string detail) =>
        new(field, FieldErrorType.TypeInvalid, GoValue(value), detail);

    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> supported) =>
        new(field, FieldErrorType.NotSupported, GoValue(value),
            "supported values: " + string.Join(", ", supported.Select(GoQuote)));

    public static FieldError Forbidden(string field, string detail) => new(field, FieldErrorType.Forbidden, null, detail);

    public static FieldError TooLong(string field, long max) =>
        new(field, FieldErrorType.TooLong, null, $"may not be longer than {max}");

    public static FieldError TooMany(string field, long actual, long max) =>
        new(field, FieldErrorType.TooMany, actual.ToString(), $"must have at most {max} items");

    public static FieldError Duplicate(string field, JsonNode? value) =>
        new(field, FieldErrorType.Duplicate, GoValue(value), "");

    /// <summary>The cause reason in a Status body.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        _ => "FieldValueDuplicate",
    };

    /// <summary>The message without the field path, as a Status cause carries it.</summary>
    public string Body
    {
        get
        {
            var word = Type switch
            {
                FieldErrorType.Required => "Required value",
                FieldErrorType.Invalid or FieldErrorType.TypeInvalid => "Invalid value",
                FieldErrorType.NotSupported => "Unsupported value",
                FieldErrorType.Forbidden => "Forbidden",
                FieldErrorType.TooLong => "Too long",
                FieldErrorType.TooMany => "Too many",
                _ => "Duplicate value",
            };
            var text = BadValue is null ? word : $"{word}: {BadValue}";
            return Detail.Length == 0 ? text : $"{text}: {Detail}";
        }
    }

    public override string ToString() => Field.Length == 0 ? Body : $"{Field}: {Body}";

    /// <summary>A value printed the way Go's %v/%q print the decoded JSON value.</summary>
    public static string GoValue(JsonNode? value) => JsonTree.Kind(value) switch
    {
        JsonValueKind.String => GoQuote(value.AsString()!),
        JsonValueKind.Null or JsonValueKind.Undefined => "null",
        _ => JsonTree.ToText(value),
    };

    /// <summary>Go's strconv.Quote: printable characters stay, quotes, backslashes and controls are escaped.</summary>
    public static string GoQuote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append($"\\x{(int)c:x2}");
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }
}
