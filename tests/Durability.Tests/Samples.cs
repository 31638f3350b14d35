using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using CertFleet.Interfaces.Api;

namespace CertFleet.Durability.Tests;

/// <summary>
/// Builds an instance of a state type with every settable property, nested records and collections included, set to a
/// value that differs from its default, so a serializer that drops or alters anything is caught.
/// </summary>
public static class Samples
{
    /// <summary>With an offset, so a serializer that normalizes to UTC shows up.</summary>
    private static readonly DateTimeOffset Time = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2));

    public static object Populated(Type type) =>
        Create(type, null, []) ?? throw new InvalidOperationException($"{type} contains only itself");

    private static object? Create(Type declared, string? name, HashSet<Type> building, PropertyInfo? property = null)
    {
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        // Strings are built, never literals: the wire-format comparison would see a shared literal as one reference.
        if (type == typeof(string))
            return property?.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType == typeof(RawJsonConverter)
                ? $$"""{"sample":["{{name}}",1,true]}"""
                : $"sample-{name}";
        if (type == typeof(bool)) return true;
        if (type == typeof(int)) return 3;
        if (type == typeof(long)) return 7L;
        if (type == typeof(double)) return 1.5;
        if (type == typeof(DateTimeOffset)) return Time;
        if (type == typeof(TimeSpan)) return TimeSpan.FromMinutes(90);
        if (type == typeof(byte[])) return new byte[] { 1, 2, 3 };
        if (type.IsEnum) return Enum.GetValues(type).Cast<object>().Last();
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            return Collection(type, name, building);
        if (type.IsValueType || type.IsAbstract || type.IsInterface)
            throw new NotSupportedException($"Samples cannot build {type} (property {name}); teach it how");
        if (!building.Add(type))
            return null; // a type that contains itself ends in null one level down
        try
        {
            return type.GetConstructor(Type.EmptyTypes) is { } parameterless
                ? WithProperties(parameterless.Invoke(null), building)
                : FromConstructor(type, building);
        }
        finally
        {
            building.Remove(type);
        }
    }

    private static object Collection(Type type, string? name, HashSet<Type> building)
    {
        var arguments = type.GetGenericArguments();
        if (arguments.Length == 2)
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(arguments))!;
            dictionary.Add(Create(arguments[0], $"{name}-key", building)!, Create(arguments[1], $"{name}-value", building));
            return dictionary;
        }
        var item = Create(arguments[0], $"{name}-item", building);
        if (type.GetGenericTypeDefinition() is var definition && (definition == typeof(HashSet<>) || definition == typeof(ISet<>)))
        {
            var set = Activator.CreateInstance(typeof(HashSet<>).MakeGenericType(arguments))!;
            set.GetType().GetMethod(nameof(HashSet<int>.Add))!.Invoke(set, [item]);
            return set;
        }
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(arguments))!;
        list.Add(item);
        return list;
    }

    private static object WithProperties(object instance, HashSet<Type> building)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.SetMethod is { IsPublic: true })
                property.SetValue(instance, Create(property.PropertyType, property.Name, building, property));
        return instance;
    }

    /// <summary>Positional records: every constructor parameter gets a value.</summary>
    private static object FromConstructor(Type type, HashSet<Type> building)
    {
        var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
                          ?? throw new NotSupportedException($"{type} has no public constructor");
        var arguments = constructor.GetParameters()
            .Select(p => Create(p.ParameterType, p.Name, building, type.GetProperty(p.Name!)))
            .ToArray();
        return constructor.Invoke(arguments);
    }
}
