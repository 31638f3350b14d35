namespace CertFleet.Interfaces.Api.Schema;

// Markers read by tests/CrdGenerator to write the CustomResourceDefinitions. They play the role of
// controller-gen's "+kubebuilder" comments: the schema lives next to the C# member it describes.

/// <summary>Marks a top-level resource record; the generator writes one CRD per marked type.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomResourceAttribute(string group, string version, string kind, string plural, string singular) : Attribute
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public string Singular { get; } = singular;
    public bool Namespaced { get; init; } = true;
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
}

/// <summary>An additionalPrinterColumn of the resource (kubectl get columns), in declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public int Priority { get; init; }
    public string? Description { get; init; }
    /// <summary>Declaration order; attributes carry no order of their own in reflection.</summary>
    public int Order { get; init; }
}

/// <summary>A field path usable in field selectors (<c>kubectl get --field-selector</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SelectableFieldAttribute(string jsonPath) : Attribute
{
    public string JsonPath { get; } = jsonPath;
}

/// <summary>Describes a type or member in the schema; written in our own words.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property)]
public sealed class DescriptionAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>The property must be present in the object that contains it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>Allowed values of a string property, or of each item of a string list.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EnumAttribute(params string[] values) : Attribute
{
    public string[] Values { get; } = values;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MinLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Value the API server fills in when the property is absent: a string, number or boolean.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>A list treated as a map keyed by the named item fields (server-side apply merges by key).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public string[] Keys { get; } = keys;
}

/// <summary>Free-form JSON object: the API server keeps every field as given.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>The value (or each map value) may be an integer or a string, like a Kubernetes quantity.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IntOrStringAttribute : Attribute;
