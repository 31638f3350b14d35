using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>Which rule an object's name must follow.</summary>
internal enum NameRule
{
    /// <summary>RFC 1123 subdomain (most kinds).</summary>
    Subdomain,

    /// <summary>RFC 1123 label (Namespace).</summary>
    Label,

    /// <summary>RFC 1035 label (Service).</summary>
    Dns1035Label,
}

/// <summary>The ObjectMeta checks apimachinery applies to every kind, worded as it words them.</summary>
internal static partial class ObjectMetaValidation
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    private const string QualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    private const int MaxAnnotationBytes = 256 * 1024;

    /// <summary>Rejects metadata whose JSON types cannot decode into ObjectMeta (a 400, as decoding fails).</summary>
    public static void CheckShape(JsonObject obj)
    {
        if (obj["metadata"] is { } metadata && metadata is not JsonObject)
        {
            throw ApiError.BadRequest("json: cannot unmarshal into Go struct field of type v1.ObjectMeta");
        }
        foreach (var map in new[] { "labels", "annotations" })
        {
            if (obj.At("metadata", map) is { } node &&
                (node is not JsonObject entries || entries.Any(e => JsonTree.Kind(e.Value) is not (JsonValueKind.String or JsonValueKind.Null))))
            {
                throw ApiError.BadRequest($"json: cannot unmarshal into Go struct field ObjectMeta.metadata.{map} of type map[string]string");
            }
        }
        foreach (var list in new[] { "finalizers", "ownerReferences" })
        {
            if (obj.At("metadata", list) is { } node && node is not JsonArray)
            {
                throw ApiError.BadRequest($"json: cannot unmarshal into Go struct field ObjectMeta.metadata.{list} of type array");
            }
        }
    }

    public static void Validate(JsonObject obj, NameRule rule, List<FieldError> errors)
    {
        var name = ObjectMeta.Name(obj);
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            ValidateName(name, rule, errors);
        }
        foreach (var (key, value) in ObjectMeta.Labels(obj))
        {
            ValidateLabel(key, value, "metadata.labels", errors);
        }
        var annotations = ObjectMeta.StringMap(obj.ObjectAt("metadata", "annotations"));
        foreach (var key in annotations.Keys)
        {
            ValidateQualifiedName(key.ToLowerInvariant(), "metadata.annotations", errors);
        }
        if (annotations.Sum(a => a.Key.Length + a.Value.Length) > MaxAnnotationBytes)
        {
            errors.Add(new FieldError("metadata.annotations", FieldErrorType.TooLong, null, $"must have at most {MaxAnnotationBytes} bytes"));
        }
        foreach (var finalizer in ObjectMeta.Finalizers(obj))
        {
            ValidateQualifiedName(finalizer, "metadata.finalizers", errors);
        }
        var references = obj.ArrayAt("metadata", "ownerReferences") ?? [];
        foreach (var reference in references)
        {
            foreach (var (field, what) in new[] { ("apiVersion", "version"), ("kind", "kind"), ("name", "name"), ("uid", "uid") })
            {
                if (string.IsNullOrEmpty(reference.StringAt(field)))
                {
                    errors.Add(FieldError.Invalid($"metadata.ownerReferences.{field}", JsonValue.Create(""), $"{what} must not be empty"));
                }
            }
        }
        if (references.Count(r => r.At("controller").AsBool() == true) > 1)
        {
            errors.Add(FieldError.Invalid("metadata.ownerReferences", references, "Only one reference can have Controller set to true"));
        }
    }

    /// <summary>A label's key (a qualified name) and value, as metadata.labels and selectors' matchLabels check them.</summary>
    public static void ValidateLabel(string key, string value, string field, List<FieldError> errors)
    {
        ValidateQualifiedName(key, field, errors);
        if (value.Length > 63)
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), "must be no more than 63 characters"));
        }
        else if (!LabelValuePattern().IsMatch(value))
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), LabelValueMessage));
        }
    }

    /// <summary>An RFC 1123 label (container names), worded as apimachinery words it.</summary>
    public static void ValidateLabelName(string name, string field, List<FieldError> errors)
    {
        if (name.Length > 63)
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(name), "must be no more than 63 characters"));
        }
        if (!LabelPattern().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(name), LabelMessage));
        }
    }

    /// <summary>While an object is being deleted, finalizers may only be removed.</summary>
    public static void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors)
    {
        if (!ObjectMeta.IsTerminating(old))
        {
            return;
        }
        var added = ObjectMeta.Finalizers(obj).Except(ObjectMeta.Finalizers(old)).Order(StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            var list = string.Join(", ", added.Select(FieldError.GoQuote));
            errors.Add(FieldError.Forbidden("metadata.finalizers",
                $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{list}}}"));
        }
    }

    public static void ValidateName(string name, NameRule rule, List<FieldError> errors)
    {
        var (max, pattern, message) = rule switch
        {
            NameRule.Label => (63, LabelPattern(), LabelMessage),
            NameRule.Dns1035Label => (63, Dns1035Pattern(), Dns1035Message),
            _ => (253, SubdomainPattern(), SubdomainMessage),
        };
        if (name.Length > max)
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonValue.Create(name), $"must be no more than {max} characters"));
        }
        if (!pattern.IsMatch(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonValue.Create(name), message));
        }
    }

    /// <summary>An RFC 1123 label in any field (port names, hostnames), worded as apimachinery's IsDNS1123Label.</summary>
    public static void ValidateLabel(string value, string field, List<FieldError> errors)
    {
        if (value.Length > 63)
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), "must be no more than 63 characters"));
        }
        if (!LabelPattern().IsMatch(value))
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), LabelMessage));
        }
    }

    private static void ValidateQualifiedName(string value, string field, List<FieldError> errors)
    {
        var slash = value.IndexOf('/');
        var prefix = slash >= 0 ? value[..slash] : null;
        var name = slash >= 0 ? value[(slash + 1)..] : value;
        if (prefix is not null && (prefix.Length == 0 || prefix.Length > 253 || !SubdomainPattern().IsMatch(prefix)))
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), "prefix part " + SubdomainMessage));
        }
        if (name.Length == 0)
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), "name part must be non-empty"));
        }
        else if (name.Length > 63)
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), "name part must be no more than 63 characters"));
        }
        else if (!QualifiedNamePattern().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(field, JsonValue.Create(value), QualifiedNameMessage));
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainPattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Pattern();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePattern();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValuePattern();
}
