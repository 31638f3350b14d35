using System.Reflection;
using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Api.Schema;

namespace CertFleet.Api.Tests;

/// <summary>
/// Builds API records with every property set to a value the CRD schema accepts, so a round trip that loses any
/// field, present or added later, shows up.
/// </summary>
internal static class SampleObjects
{
    public static readonly DateTimeOffset Time = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static T Populated<T>() where T : class => (T)Populate(typeof(T));

    private static object Populate(Type type)
    {
        var instance = Activator.CreateInstance(type)!;
        var isResource = type.GetCustomAttribute<CustomResourceAttribute>() is not null;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (isResource && property.Name is nameof(Certificate.ApiVersion) or nameof(Certificate.Kind))
                continue;
            property.SetValue(instance, Value(property.PropertyType, property));
        }
        return instance;
    }

    private static object Value(Type declared, PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (type == typeof(string))
        {
            if (property.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType == typeof(RawJsonConverter))
                return """{"sample":{"nested":[1,"two",true]}}""";
            return property.GetCustomAttribute<EnumAttribute>()?.Values[0] ?? $"sample-{property.Name}";
        }
        if (type == typeof(int))
            return (int)(property.GetCustomAttribute<MinimumAttribute>()?.Value ?? 3);
        if (type == typeof(long))
            return 7L;
        if (type == typeof(bool))
            return true;
        if (type == typeof(DateTimeOffset))
            return Time;
        if (type == typeof(byte[]))
            return "-----BEGIN SAMPLE-----\n"u8.ToArray();
        if (type == typeof(List<string>))
            return new List<string> { property.GetCustomAttribute<EnumAttribute>()?.Values[0] ?? $"sample-{property.Name}-item" };
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            list.Add(Populate(type.GetGenericArguments()[0]));
            return list;
        }
        if (type == typeof(Dictionary<string, string>))
            return new Dictionary<string, string> { ["example.com/key"] = "100m" };
        if (type == typeof(Dictionary<string, List<string>>))
            return new Dictionary<string, List<string>> { ["example.com/key"] = ["value"] };
        return Populate(type);
    }
}
