using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Api.Schema;
using YamlDotNet.RepresentationModel;

namespace CertFleet.CrdGenerator;

/// <summary>
/// Builds the OpenAPI v3 (structural) schema of an API record by reflection. Property names and types come from
/// <see cref="ApiJson.Options"/>, so the schema describes exactly the JSON the controller reads and writes.
/// </summary>
public static class OpenApiSchema
{
    /// <summary>The schema of a top-level resource: apiVersion, kind, metadata, spec, status.</summary>
    public static YamlMappingNode ForResource(Type resourceType) => ForRecord(resourceType, [], description: null);

    private static YamlMappingNode ForRecord(Type type, HashSet<Type> enclosing, string? description)
    {
        if (!enclosing.Add(type))
            throw new InvalidOperationException($"{type.Name} contains itself; CRD schemas cannot express recursion.");

        var properties = new YamlMappingNode();
        var required = new List<string>();
        var typeInfo = ApiJson.Options.GetTypeInfo(type);
        foreach (var property in typeInfo.Properties.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var member = (MemberInfo)property.AttributeProvider!;
            properties.Add(property.Name, ForProperty(type, property, member, enclosing));
            if (member.GetCustomAttribute<RequiredAttribute>() is not null)
                required.Add(property.Name);
        }
        enclosing.Remove(type);

        var schema = new YamlMappingNode();
        AddDescription(schema, description ?? type.GetCustomAttribute<DescriptionAttribute>()?.Text);
        schema.Add("type", "object");
        if (required.Count > 0)
            schema.Add("required", Yaml.Sequence(required));
        schema.Add("properties", properties);
        return schema;
    }

    private static YamlMappingNode ForProperty(Type owner, JsonPropertyInfo property, MemberInfo member, HashSet<Type> enclosing)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var description = member.GetCustomAttribute<DescriptionAttribute>()?.Text;

        // The envelope every Kubernetes object shares.
        if (type == typeof(ObjectMeta))
            return new YamlMappingNode { { "type", "object" } };
        if (owner.GetCustomAttribute<CustomResourceAttribute>() is not null && property.Name is "apiVersion" or "kind")
        {
            var envelope = new YamlMappingNode();
            AddDescription(envelope, property.Name == "kind"
                ? "Kind of the object, in CamelCase. Set by clients; cannot be updated."
                : "Versioned schema of this representation of the object, as group/version.");
            envelope.Add("type", "string");
            return envelope;
        }

        if (description is null && !IsRecord(type))
            throw new InvalidOperationException($"{owner.Name}.{member.Name} needs a [Description].");

        if (member.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            // Raw JSON kept verbatim: any JSON value, every field kept.
            var free = new YamlMappingNode();
            AddDescription(free, description);
            free.Add("x-kubernetes-preserve-unknown-fields", Yaml.Bool(true));
            return free;
        }

        var schema = IsRecord(type)
            ? ForRecord(type, enclosing, description)
            : ForValue(type, member, description, enclosing);
        ApplyConstraints(schema, member);
        return schema;
    }

    private static YamlMappingNode ForValue(Type type, MemberInfo member, string? description, HashSet<Type> enclosing)
    {
        var schema = new YamlMappingNode();
        AddDescription(schema, description);

        if (type == typeof(byte[]))
        {
            schema.Add("type", "string");
            schema.Add("format", "byte");
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            schema.Add("type", "array");
            var itemType = type.GetGenericArguments()[0];
            var items = IsRecord(itemType) ? ForRecord(itemType, enclosing, description: null) : ForScalar(itemType);
            if (member.GetCustomAttribute<EnumAttribute>() is { } itemEnum)
                items.Add("enum", Yaml.Sequence(itemEnum.Values));
            schema.Add("items", items);
            if (member.GetCustomAttribute<ListMapKeysAttribute>() is { } mapKeys)
            {
                schema.Add("x-kubernetes-list-map-keys", Yaml.Sequence(mapKeys.Keys));
                schema.Add("x-kubernetes-list-type", "map");
            }
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            schema.Add("type", "object");
            var valueType = type.GetGenericArguments()[1];
            schema.Add("additionalProperties", member.GetCustomAttribute<IntOrStringAttribute>() is not null
                ? IntOrString()
                : IsRecord(valueType) ? ForRecord(valueType, enclosing, description: null) : ForValue(valueType, member, null, enclosing));
        }
        else
        {
            foreach (var entry in ForScalar(type))
                schema.Add(entry.Key, entry.Value);
            if (member.GetCustomAttribute<EnumAttribute>() is { } values)
                schema.Add("enum", Yaml.Sequence(values.Values));
        }
        return schema;
    }

    private static YamlMappingNode ForScalar(Type type) => type switch
    {
        _ when type == typeof(string) => new YamlMappingNode { { "type", "string" } },
        _ when type == typeof(bool) => new YamlMappingNode { { "type", "boolean" } },
        _ when type == typeof(int) => new YamlMappingNode { { "type", "integer" }, { "format", "int32" } },
        _ when type == typeof(long) => new YamlMappingNode { { "type", "integer" }, { "format", "int64" } },
        _ when type == typeof(DateTimeOffset) => new YamlMappingNode { { "type", "string" }, { "format", "date-time" } },
        _ => throw new InvalidOperationException($"No schema mapping for {type}."),
    };

    private static YamlMappingNode IntOrString() => new()
    {
        { "anyOf", new YamlSequenceNode(new YamlMappingNode { { "type", "integer" } }, new YamlMappingNode { { "type", "string" } }) },
        { "x-kubernetes-int-or-string", Yaml.Bool(true) },
    };

    private static void ApplyConstraints(YamlMappingNode schema, MemberInfo member)
    {
        if (member.GetCustomAttribute<DefaultAttribute>() is { } value)
            schema.Add("default", Yaml.Scalar(value.Value));
        if (member.GetCustomAttribute<MinimumAttribute>() is { } minimum)
            schema.Add("minimum", Yaml.Scalar(minimum.Value));
        if (member.GetCustomAttribute<MaximumAttribute>() is { } maximum)
            schema.Add("maximum", Yaml.Scalar(maximum.Value));
        if (member.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
            schema.Add("minLength", Yaml.Scalar(minLength.Value));
        if (member.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
            schema.Add("maxLength", Yaml.Scalar(maxLength.Value));
        if (member.GetCustomAttribute<MinItemsAttribute>() is { } minItems)
            schema.Add("minItems", Yaml.Scalar(minItems.Value));
    }

    private static void AddDescription(YamlMappingNode schema, string? description)
    {
        if (description is not null)
            schema.Add("description", description);
    }

    /// <summary>API records are the sealed records of the API namespace; everything else is a JSON value.</summary>
    private static bool IsRecord(Type type) =>
        type.Namespace == typeof(ObjectMeta).Namespace && type.IsClass && type.GetMethod("<Clone>$") is not null;
}
